//! The common shape of threshold and hardening rules, over the representative connections of
//! [`crate::model::sshd::samples`] (re-exported here for the rules).

use crate::model::sshd::effective::Effective;
pub use crate::model::sshd::samples::*;
use crate::source::Location;

/// Report each line (or, with `defaults`, the built-in default) that gives `opt` a value
/// `bad` accepts, in the global section or in a Match block: the common shape of threshold
/// and hardening rules. Each setting is reported once.
pub fn report_setting(
    ctx: &crate::rules::Context,
    opt: crate::model::sshd::keywords::Opt,
    defaults: bool,
    bad: impl Fn(&Effective, i64) -> bool,
    message: impl Fn(&Effective, i64) -> String,
    help: &str,
    out: &mut Vec<crate::diagnostic::Violation>,
) {
    let host = ctx.host;
    if host.fatal() {
        return;
    }
    let Some(main) = host.loaded.main.map(|m| host.loaded.files[m].id) else { return };
    let mut seen: Vec<Option<Location>> = Vec::new();
    for (e, block) in evaluations(host) {
        let n = e.num(opt);
        let at = e.origin(opt);
        let unset_here = at.is_none() && (block.is_some() || !defaults);
        if unset_here || seen.contains(&at) || !bad(&e, n) {
            continue;
        }
        seen.push(at);
        let mut text = message(&e, n);
        if at.is_none() {
            text.push_str(" (the built-in default: no line sets it)");
        }
        let mut v =
            crate::diagnostic::Violation::new(at.unwrap_or(Location { file: main, span: Default::default() }), text)
                .help(help);
        if let Some(b) = block {
            v = v.related(b, "inside this Match block");
        }
        out.push(v);
    }
}
