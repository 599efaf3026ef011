//! SL003 `invalid-utf8`.

use crate::declare_rule;
use crate::diagnostic::Violation;
use crate::rules::Context;
use crate::source::{Location, Span};

declare_rule! {
    /// ## What it does
    /// Reports configuration files that are not valid UTF-8 (binary data, Latin-1 text).
    ///
    /// ## Why is this bad?
    /// sshd reads bytes, so such a file is usually a mistake (a binary copied over the
    /// config, an editor's encoding). sshlint keeps the bytes: `sshlint effective` prints them
    /// back as sshd would, and excerpts show them as private-use characters.
    ///
    /// ## Example
    /// ```text
    /// Banner /etc/issue   # followed by bytes 0xff 0xfe
    /// ```
    ///
    /// Use instead:
    /// ```text
    /// Banner /etc/issue
    /// ```
    ///
    /// ## References
    /// - sshd_config(5)
    pub static RULE = {
        code: "SL003",
        name: "invalid-utf8",
        category: Meta,
        severity: Warning,
        since: "0.1.0",
        sources: [],
    }
}

pub fn check(ctx: &Context, out: &mut Vec<Violation>) {
    for f in &ctx.host.loaded.files {
        let src = ctx.sources.get(f.id);
        if !src.lossy {
            continue;
        }
        let at = src.text.find(crate::source::is_escaped_byte).unwrap_or(0);
        out.push(
            Violation::new(
                Location { file: f.id, span: Span::new(at, at + 4) },
                "the file is not valid UTF-8".to_string(),
            )
            .help("check that this is the intended text file and save it as UTF-8"),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fail() {
        let mut sources = crate::source::SourceMap::default();
        let host = crate::model::sshd::host::SshdHost::from_text(
            "x".into(),
            vec![b'P', 0xff, b'\n'],
            crate::model::sshd::version::Version::new(9, 2),
            &mut sources,
        );
        let opts = crate::rules::CheckOptions::default();
        let fw = crate::model::firewall::Firewall::default();
        let ctx =
            crate::rules::Context { host: &host, firewall: &fw, sshd_present: true, sources: &sources, options: &opts };
        let mut out = Vec::new();
        super::check(&ctx, &mut out);
        assert_eq!(out.len(), 1);
    }
}
