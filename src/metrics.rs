//! Prometheus metrics (`GET /metrics`): questions answered, messages left alone, answer latency,
//! articles, feed polls and errors, reindex duration. One process-wide registry.

use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PlatformLabels {
    platform: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedLabels {
    feed: String,
    result: String,
}

struct Metrics {
    registry: Registry,
    questions: Family<PlatformLabels, Counter>,
    ignored: Family<PlatformLabels, Counter>,
    latency: Histogram,
    articles: Gauge,
    feed_polls: Family<FeedLabels, Counter>,
    reindex: Histogram,
}

fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| {
        let mut registry = Registry::with_prefix("talkwatch");
        let questions = Family::<PlatformLabels, Counter>::default();
        registry.register(
            "questions_answered",
            "Questions answered (with passages or a not-found reply), by platform",
            questions.clone(),
        );
        let ignored = Family::<PlatformLabels, Counter>::default();
        registry.register(
            "messages_ignored",
            "Chat messages read and left alone (not addressed to the bot), by platform",
            ignored.clone(),
        );
        let latency = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        registry.register(
            "answer_latency_seconds",
            "Time to answer a question in the core (search, ranking, passages)",
            latency.clone(),
        );
        let articles = Gauge::default();
        registry.register("articles", "Articles in the store", articles.clone());
        let feed_polls = Family::<FeedLabels, Counter>::default();
        registry.register(
            "feed_polls",
            "Feed polls by feed and result (ok or error)",
            feed_polls.clone(),
        );
        let reindex = Histogram::new(exponential_buckets(0.1, 2.0, 14));
        registry.register(
            "reindex_duration_seconds",
            "Duration of full index rebuilds",
            reindex.clone(),
        );
        Metrics {
            registry,
            questions,
            ignored,
            latency,
            articles,
            feed_polls,
            reindex,
        }
    })
}

pub fn question_answered(platform: &str, seconds: f64) {
    let m = metrics();
    m.questions
        .get_or_create(&PlatformLabels {
            platform: platform.to_string(),
        })
        .inc();
    m.latency.observe(seconds);
}

/// A chat message the bot read and did not answer (chatter, not addressed to it).
pub fn message_ignored(platform: &str) {
    metrics()
        .ignored
        .get_or_create(&PlatformLabels {
            platform: platform.to_string(),
        })
        .inc();
}

pub fn feed_poll(feed: &str, result: &str) {
    metrics()
        .feed_polls
        .get_or_create(&FeedLabels {
            feed: feed.to_string(),
            result: result.to_string(),
        })
        .inc();
}

pub fn reindexed(seconds: f64) {
    metrics().reindex.observe(seconds);
}

pub fn set_articles(n: u64) {
    metrics().articles.set(n as i64);
}

/// The registry in Prometheus text format.
pub fn render() -> String {
    let mut out = String::new();
    let _ = prometheus_client::encoding::text::encode(&mut out, &metrics().registry);
    out
}
