//! sshd_config rules (SSHD codes), one file each, and the table of every rule.

pub mod client_alive_disabled;
pub mod commented_out_port;
pub mod deprecated_keyword;
pub mod directive_shadowed;
pub mod empty_passwords_permitted;
pub mod host_key_unusable;
pub mod hostbased_authentication_enabled;
pub mod ignore_rhosts_disabled;
pub mod include_problem;
pub mod invalid_match;
pub mod invalid_socket_unit;
pub mod invalid_value;
pub mod listen_loopback_only;
pub mod login_grace_time_high;
pub mod logingracetime_too_low;
pub mod match_never_matches;
pub mod max_auth_tries_high;
pub mod maxauthtries_too_low;
pub mod maxsessions_too_low;
pub mod maxstartups_too_low;
pub mod no_common_algorithm;
pub mod no_usable_login_method;
pub mod not_allowed_in_match;
pub mod password_authentication_enabled;
pub mod per_source_penalties_risk;
pub mod persource_maxstartups_too_low;
pub mod port_ignored_by_socket;
mod problems;
pub mod root_login_permitted;
pub mod samples;
pub mod strict_modes_disabled;
pub mod unknown_keyword;
pub mod unsatisfiable_auth_methods;
pub mod user_environment_permitted;
pub mod user_locked_out;
pub mod weak_algorithm;
pub mod x11_forwarding_enabled;

use super::Rule;
use super::meta::{invalid_utf8, unreadable_file};

macro_rules! rule {
    ($m:ident) => {
        Rule { meta: &$m::RULE, check: Some($m::check) }
    };
}

/// Every rule, in code order (a test pins the list).
pub static RULES: &[Rule] = &[
    rule!(unknown_keyword),
    rule!(invalid_value),
    rule!(not_allowed_in_match),
    rule!(invalid_match),
    rule!(deprecated_keyword),
    rule!(include_problem),
    rule!(unsatisfiable_auth_methods),
    rule!(invalid_socket_unit),
    rule!(commented_out_port),
    rule!(user_locked_out),
    rule!(no_usable_login_method),
    rule!(listen_loopback_only),
    rule!(directive_shadowed),
    rule!(match_never_matches),
    rule!(port_ignored_by_socket),
    rule!(maxstartups_too_low),
    rule!(persource_maxstartups_too_low),
    rule!(maxsessions_too_low),
    rule!(maxauthtries_too_low),
    rule!(logingracetime_too_low),
    rule!(per_source_penalties_risk),
    rule!(weak_algorithm),
    rule!(no_common_algorithm),
    rule!(host_key_unusable),
    rule!(root_login_permitted),
    rule!(password_authentication_enabled),
    rule!(empty_passwords_permitted),
    rule!(strict_modes_disabled),
    rule!(x11_forwarding_enabled),
    rule!(hostbased_authentication_enabled),
    rule!(ignore_rhosts_disabled),
    rule!(max_auth_tries_high),
    rule!(client_alive_disabled),
    rule!(login_grace_time_high),
    rule!(user_environment_permitted),
    Rule { meta: &unreadable_file::RULE, check: None },
    rule!(invalid_utf8),
];
