//! Shared by the validity rules: turn the model's startup problems of one kind into
//! violations (each validity rule is the presentation of one kind of sshd complaint).

use crate::diagnostic::Violation;
use crate::model::sshd::eval::{Problem, ProblemKind};
use crate::rules::Context;

pub fn report(ctx: &Context, kind: ProblemKind, out: &mut Vec<Violation>) {
    let host = ctx.host;
    for p in host.startup.problems.iter().chain(&host.post).filter(|p| p.kind == kind) {
        out.push(violation(p));
    }
}

pub fn violation(p: &Problem) -> Violation {
    let mut v = Violation::new(p.at, p.message.clone());
    v.help = p.help.clone();
    v.related = p.related.clone();
    v.severity = p.severity;
    v.fatal = p.fatal;
    v
}
