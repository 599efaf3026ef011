//! firewalld's XML objects (zones, policies, services, ipsets, icmptypes, helpers) as
//! firewalld 1.3's readers load them, with byte spans of the elements they come from.
//!
//! One shape for every kind: firewalld checks neither the root element's name nor nesting, so a
//! zone file can hold any element a zone accepts anywhere (`docs/research/firewalld-1.3.3.md`
//! §6.2); fields a kind cannot have stay empty.

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    Zone,
    Policy,
    Service,
    Ipset,
    Icmptype,
    Helper,
}

impl ObjectKind {
    /// The directory under `/usr/lib/firewalld` and `/etc/firewalld`.
    pub fn dir(self) -> &'static str {
        match self {
            ObjectKind::Zone => "zones",
            ObjectKind::Policy => "policies",
            ObjectKind::Service => "services",
            ObjectKind::Ipset => "ipsets",
            ObjectKind::Icmptype => "icmptypes",
            ObjectKind::Helper => "helpers",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Zone => "zone",
            ObjectKind::Policy => "policy",
            ObjectKind::Service => "service",
            ObjectKind::Ipset => "ipset",
            ObjectKind::Icmptype => "icmptype",
            ObjectKind::Helper => "helper",
        }
    }

    pub const ALL: [ObjectKind; 6] = [
        ObjectKind::Ipset,
        ObjectKind::Icmptype,
        ObjectKind::Helper,
        ObjectKind::Service,
        ObjectKind::Zone,
        ObjectKind::Policy,
    ];
}

/// A value with the span of the element (or attribute) it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// `<port port=".." protocol=".."/>` and `<source-port>`: the port text as written (a number,
/// a range `a-b` or a service name), the protocol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortEntry {
    pub port: String,
    pub protocol: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardPort {
    pub port: String,
    pub protocol: String,
    pub to_port: String,
    pub to_addr: String,
    pub span: Span,
}

/// A rich rule's `<source>` or `<destination>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleAddr {
    pub address: Option<String>,
    pub mac: Option<String>,
    pub ipset: Option<String>,
    pub invert: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Element {
    Service(String),
    Port { port: String, protocol: String },
    Protocol(String),
    IcmpBlock(String),
    IcmpType(String),
    Masquerade,
    ForwardPort { port: String, protocol: String, to_port: String, to_addr: String },
    SourcePort { port: String, protocol: String },
    TcpMssClamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionKind {
    Accept,
    /// `<reject type="..">`.
    Reject(Option<String>),
    Drop,
    Mark(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    /// `<limit value="N/unit">` inside the action.
    pub limit: Option<String>,
    pub span: Span,
}

/// One `<rule>` that firewalld kept (its checks passed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RichRule {
    pub span: Span,
    /// `ipv4` or `ipv6`; `None` for both.
    pub family: Option<String>,
    pub priority: i32,
    pub source: Option<RuleAddr>,
    pub destination: Option<RuleAddr>,
    pub element: Option<Spanned<Element>>,
    pub log: bool,
    pub audit: bool,
    pub action: Option<Action>,
}

/// What firewalld does with a problem in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// The file does not load: firewalld starts with its stock configuration instead.
    Fatal,
    /// A warning: the element (a rich rule, a duplicate, everything after a stray action) is
    /// dropped and the rest loads.
    Dropped,
    /// The document uses an entity its DOCTYPE declares: firewalld expands it, sshlint expands
    /// none, so what the file configures is unknown to sshlint.
    Unexpanded,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub span: Span,
    pub message: String,
    pub effect: Effect,
}

/// One XML file as firewalld loads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Object {
    /// The start tag of the first element (where findings about the whole file point).
    pub root: Span,
    /// Zone target (`ACCEPT`, `DROP`, `%%REJECT%%`; `default` and no attribute are `None`) or
    /// policy target.
    pub target: Option<Spanned<String>>,
    /// Policy priority.
    pub priority: Option<Spanned<i32>>,
    /// Zone `ingress-priority` (firewalld 2.0 and later): the order of zone dispatch.
    pub ingress_priority: Option<Spanned<i32>>,
    /// Policy `<disable/>` (firewalld 2.4 and later): the policy is not applied.
    pub disabled: bool,
    pub services: Vec<Spanned<String>>,
    pub ports: Vec<PortEntry>,
    pub protocols: Vec<Spanned<String>>,
    pub source_ports: Vec<PortEntry>,
    pub icmp_blocks: Vec<Spanned<String>>,
    pub icmp_block_inversion: bool,
    pub masquerade: bool,
    pub forward_ports: Vec<ForwardPort>,
    /// Zone bindings.
    pub interfaces: Vec<Spanned<String>>,
    /// Zone bindings: an address, a MAC, or `ipset:NAME`.
    pub sources: Vec<Spanned<String>>,
    /// Policy zones (`ANY`, `HOST` or zone names).
    pub ingress: Vec<Spanned<String>>,
    pub egress: Vec<Spanned<String>>,
    pub rules: Vec<RichRule>,
    /// Service and icmptype `<destination ipv4=".." ipv6="..">`.
    pub destination_v4: Option<String>,
    pub destination_v6: Option<String>,
    pub includes: Vec<Spanned<String>>,
    pub helpers: Vec<Spanned<String>>,
    /// ipset type, options and entries.
    pub ipset_type: Option<String>,
    pub options: Vec<(String, Option<String>)>,
    pub entries: Vec<Spanned<String>>,
    pub issues: Vec<Issue>,
}

impl Object {
    pub fn fatal(&self) -> Option<&Issue> {
        self.issues.iter().find(|i| i.effect == Effect::Fatal)
    }
}
