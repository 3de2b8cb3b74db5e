//! The descriptions Discord shows for talkwatch's slash commands and their options.

/// The description of a command (`"ask"`) or of one of its options (`"ask.question"`; the date
/// and source options read the same under every command).
pub fn description(key: &str) -> &'static str {
    match key {
        "ask" => "Ask about the talks: quotes the best passages with their sources",
        "ask.question" => "Your question, e.g. Is territory negotiable?",
        "ask.limit" => "How many articles to quote (1-10)",
        "ask.hide" => "Show the answer only to you",
        "timeline" => "How a topic developed: one line per report, oldest first",
        "timeline.topic" => "The topic, e.g. prisoner exchange",
        "timeline.limit" => "How many reports to list (1-10)",
        "latest" => "The newest developments, one per report",
        "latest.topic" => "Only developments about these words, e.g. energy truce",
        "latest.limit" => "How many to list (1-10)",
        "since" => {
            "Only articles since a date (2026-11-01), an age (3d, 2w) or a day (yesterday, monday)"
        }
        "until" => "Only articles until a date (2026-11-20), an age or a day (yesterday, monday)",
        "source" => "Only this source",
        "sources" => "The news sources the bot has read",
        "stats" => "How many articles and passages the bot knows",
        "help" => "What the bot can do",
        "reindex" => "Rebuild the search index (admins only)",
        "feeds" => "The news feeds the bot polls (admins only)",
        "watch" => "Post here when a new article mentions all these words",
        "watch.words" => "Words to watch, e.g. ceasefire monitors",
        "unwatch" => "Stop a watch of this channel",
        "unwatch.words" => "The watched words",
        "watches" => "This channel's watches",
        other => panic!("no description for the Discord command or option `{other}`"),
    }
}
