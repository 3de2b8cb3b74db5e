//! Sets up `tracing` once: human-readable lines by default, JSON for machines. The filter comes
//! from `TALKWATCH_LOG` (e.g. `debug`, `talkwatch=debug,tantivy=warn`), else the given default.
//! Logs go to stderr so stdout stays clean for answers and `--json`; they are coloured only on a
//! terminal, and never when `NO_COLOR` is set (<https://no-color.org>).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// Libraries whose own log lines repeat what talkwatch reports better (a refused certificate is
/// an input's failure with its reason), silenced unless `TALKWATCH_LOG` asks for them.
const QUIET: &str = "rustls_platform_verifier=off";

pub fn init(format: LogFormat, default_filter: &str) {
    let filter = EnvFilter::try_from_env("TALKWATCH_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{default_filter},{QUIET}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Colour codes only for a person at a terminal who has not asked for none (`NO_COLOR` set to
/// anything but the empty string).
fn colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::colour;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some("".into())));
        assert!(!colour(true, Some("1".into())));
        assert!(!colour(false, None));
    }
}
