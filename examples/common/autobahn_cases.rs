//! The Autobahn|Testsuite `fuzzingserver`'s side of `examples/autobahn_client.rs` and
//! `examples/autobahn_client_tokio.rs`, without I/O: where to connect, the limits its cases
//! need, and the URLs that count the cases, run one and write the report. Each client
//! opens them with its driver and echoes.

use rfc6455::Config;

/// Section 9 sends 16 MiB messages; leave headroom.
const LIMIT: u64 = 64 << 20;

/// The connections' configuration, with the limits raised for section 9.
pub(crate) fn config() -> Config {
    Config::default().with_max_frame_len(LIMIT).with_max_message_len(LIMIT)
}

/// `HOST:PORT` of `base` (`ws://HOST:PORT`), to connect to.
pub(crate) fn authority(base: &str) -> &str {
    base.trim_start_matches("ws://").trim_end_matches('/')
}

/// Its only text message is the number of cases.
pub(crate) const CASE_COUNT: &str = "/getCaseCount";

/// The number of cases, from the last text of the [`CASE_COUNT`] session (0 if none).
pub(crate) fn case_count(last_text: Option<String>) -> u32 {
    last_text.and_then(|t| t.trim().parse().ok()).unwrap_or(0)
}

/// Runs case `case` (1 to the count) against `agent`: echo what it sends.
pub(crate) fn run_case(case: u32, agent: &str) -> String {
    format!("/runCase?case={case}&agent={agent}")
}

/// Writes the reports of `agent`'s cases.
pub(crate) fn update_reports(agent: &str) -> String {
    format!("/updateReports?agent={agent}")
}
