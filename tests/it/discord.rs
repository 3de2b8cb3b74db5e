//! The Discord adapter against a fake Discord on 127.0.0.1 whose requests (and, in http mode,
//! the bot's interaction responses) are validated against Discord's OpenAPI spec.

use std::time::Duration;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{Value, json};

use crate::support::Env;
use crate::support::discord_fake::{self, FakeDiscord, interaction};
use crate::support::service::Service;

const WAIT: Duration = Duration::from_secs(60);
const ADMIN: &str = "1600000000000000001";
const USER: &str = "1600000000000000002";
const USHAKOV_URL: &str = "https://wire.example.org/2026/11/ushakov-territory-not-negotiable";

fn ask_data(question: &str, extra: Value) -> Value {
    command_data("ask", "question", question, extra)
}

/// A slash command's data: `name` with its text option `first` = `value` and the `extra` ones.
fn command_data(name: &str, first: &str, value: &str, extra: Value) -> Value {
    let mut options = vec![json!({"name": first, "type": 3, "value": value})];
    if let Some(obj) = extra.as_object() {
        for (k, v) in obj {
            let kind = match v {
                Value::Bool(_) => 5,
                Value::Number(_) => 4,
                _ => 3,
            };
            options.push(json!({"name": k, "type": kind, "value": v}));
        }
    }
    json!({"id": "1200000000000000000", "name": name, "type": 1, "options": options})
}

/// talkwatch in http mode, with a signing key for the fake Discord side.
struct HttpBot {
    _env: Env,
    service: Service,
    key: SigningKey,
    fake: FakeDiscord,
}

impl HttpBot {
    async fn start() -> HttpBot {
        let env = Env::with_demo();
        let fake = FakeDiscord::start().await;
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let public = hex::encode(key.verifying_key().to_bytes());
        let mut service = Service::start(
            &env,
            &[
                ("TALKWATCH_DISCORD__ENABLED", "true"),
                ("TALKWATCH_DISCORD__MODE", "http"),
                ("TALKWATCH_DISCORD__PUBLIC_KEY", &public),
                ("TALKWATCH_DISCORD__APPLICATION_ID", discord_fake::APP_ID),
                ("TALKWATCH_DISCORD__API_PROXY", &fake.base),
                ("TALKWATCH_DISCORD__ADMIN_USER_IDS", &format!("[{ADMIN}]")),
            ],
        );
        service.wait_healthy(WAIT).await;
        HttpBot {
            _env: env,
            service,
            key,
            fake,
        }
    }

    async fn post_raw(
        &self,
        body: &str,
        signature: Option<String>,
        timestamp: Option<String>,
    ) -> (u16, String) {
        let mut req = reqwest::Client::new()
            .post(self.service.url("/discord/interactions"))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(s) = signature {
            req = req.header("X-Signature-Ed25519", s);
        }
        if let Some(t) = timestamp {
            req = req.header("X-Signature-Timestamp", t);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    fn sign(&self, timestamp: &str, body: &str) -> String {
        let mut msg = timestamp.as_bytes().to_vec();
        msg.extend_from_slice(body.as_bytes());
        hex::encode(self.key.sign(&msg).to_bytes())
    }

    /// Clicks the "More" button of the bot's message `reply` (interaction `id`); returns the
    /// message's update, validated against the spec.
    async fn click_more(&self, id: u64, reply: &Value) -> Value {
        let button = &reply["data"]["components"][0]["components"][0];
        let mut click = interaction(
            id,
            3,
            json!({"custom_id": button["custom_id"], "component_type": 2}),
            USER,
            &[],
        );
        click["message"] = json!({
            "id": format!("13000000000000000{id:02}"),
            "content": reply["data"]["content"],
            "embeds": reply["data"]["embeds"],
        });
        let page = self.post(&click).await;
        assert_eq!(page["type"], 7, "{page}");
        page
    }

    /// A user's slash command `data` (interaction `id`); returns the bot's response.
    async fn slash(&self, id: u64, data: Value) -> Value {
        self.post(&interaction(id, 2, data, USER, &[])).await
    }

    /// Posts a signed interaction; returns the bot's response, validated against the spec.
    async fn post(&self, interaction: &Value) -> Value {
        let body = interaction.to_string();
        let ts = chrono::Utc::now().timestamp().to_string();
        let sig = self.sign(&ts, &body);
        let (status, text) = self.post_raw(&body, Some(sig), Some(ts)).await;
        assert_eq!(status, 200, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        if v["type"] != 1 {
            discord_fake::assert_valid_callback(&v);
        }
        v
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_mode_answers_only_requests_signed_by_discord() {
    let bot = HttpBot::start().await;

    // PING → PONG, signed.
    let ping = json!({"id": "1", "application_id": discord_fake::APP_ID, "type": 1, "token": "t", "version": 1});
    assert_eq!(bot.post(&ping).await, json!({"type": 1}));

    // Missing, malformed, bad and stale signatures: 401.
    let body = ping.to_string();
    let now = chrono::Utc::now().timestamp();
    let (s, _) = bot.post_raw(&body, None, None).await;
    assert_eq!(s, 401);
    let (s, _) = bot
        .post_raw(&body, Some("zz".into()), Some(now.to_string()))
        .await;
    assert_eq!(s, 401);
    let other = SigningKey::from_bytes(&[9u8; 32]);
    let mut msg = now.to_string().into_bytes();
    msg.extend_from_slice(body.as_bytes());
    let (s, _) = bot
        .post_raw(
            &body,
            Some(hex::encode(other.sign(&msg).to_bytes())),
            Some(now.to_string()),
        )
        .await;
    assert_eq!(s, 401, "signature by another key");
    let stale = (now - 600).to_string();
    let (s, text) = bot
        .post_raw(&body, Some(bot.sign(&stale, &body)), Some(stale))
        .await;
    assert_eq!(s, 401);
    assert!(text.contains("stale"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_answers_with_an_embed_visible_to_everyone_or_hidden_on_request() {
    let bot = HttpBot::start().await;

    // /ask: an embed with the passage, title and link; question words in bold.
    let r = bot
        .slash(
            2,
            ask_data(
                "What did Ushakov say about the American proposals?",
                json!({}),
            ),
        )
        .await;
    assert_eq!(r["type"], 4);
    let embed = &r["data"]["embeds"][0];
    assert_eq!(embed["url"], USHAKOV_URL);
    assert_eq!(
        embed["title"],
        "Ushakov: Russia will not bargain over territory after Moscow meetings"
    );
    assert!(
        embed["description"]
            .as_str()
            .unwrap()
            .contains("broadly acceptable"),
        "{embed}"
    );
    assert!(
        embed["description"]
            .as_str()
            .unwrap()
            .contains("**Ushakov**"),
        "{embed}"
    );
    assert!(
        embed["footer"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Example Wire · ")
    );
    assert_eq!(r["data"]["allowed_mentions"], json!({"parse": []}));
    assert!(r["data"].get("flags").is_none(), "visible to everyone");
    assert!(r["data"]["embeds"].as_array().unwrap().len() <= 3);

    // hide:true → ephemeral.
    let r = bot
        .slash(
            3,
            ask_data("Is territory negotiable for Russia?", json!({"hide": true})),
        )
        .await;
    assert_eq!(r["data"]["flags"], 64);
}

#[tokio::test(flavor = "multi_thread")]
async fn more_pages_through_further_articles() {
    let bot = HttpBot::start().await;

    // "More" pages through further hits, reading the question back from the message.
    let r = bot.slash(4, ask_data("talks", json!({"limit": 2}))).await;
    let first: Vec<Value> = r["data"]["embeds"].as_array().unwrap().clone();
    assert_eq!(r["data"]["components"][0]["components"][0]["label"], "More");
    let page = bot.click_more(5, &r).await;
    let second = page["data"]["embeds"].as_array().unwrap();
    assert!(!second.is_empty());
    assert!(
        second
            .iter()
            .all(|e| !first.iter().any(|f| f["url"] == e["url"])),
        "page 2 shows other articles"
    );

    // A question that starts like a command is shown as asked, and pages as that question.
    let r = bot
        .slash(6, ask_data("timeline of the talks", json!({})))
        .await;
    let content = r["data"]["content"].as_str().unwrap();
    assert!(content.starts_with("> timeline of the talks"), "{content}");
    let first: Vec<Value> = r["data"]["embeds"].as_array().unwrap().clone();
    let page = bot.click_more(7, &r).await;
    let second = page["data"]["embeds"].as_array().unwrap();
    assert!(!second.is_empty(), "{page}");
    assert!(
        second
            .iter()
            .all(|e| !first.iter().any(|f| f["url"] == e["url"])),
        "page 2 shows other articles: {page}"
    );
    assert!(
        page["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("> timeline of the talks"),
        "{page}"
    );
}

/// The dates heading a page of timeline embeds ("18 Nov 2026 — title").
fn embed_dates(page: &Value) -> Vec<chrono::NaiveDate> {
    page["data"]["embeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let title = e["title"].as_str().unwrap();
            let day = title.split(" — ").next().unwrap();
            chrono::NaiveDate::parse_from_str(day, "%d %b %Y").expect(title)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn timeline_lists_dated_reports_oldest_first_and_more_goes_on_in_date_order() {
    let bot = HttpBot::start().await;
    let r = bot
        .slash(
            6,
            command_data("timeline", "topic", "talks", json!({"limit": 3})),
        )
        .await;
    assert_eq!(r["type"], 4);
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("How “talks” developed"),
        "{r}"
    );
    let first = embed_dates(&r);
    assert_eq!(first.len(), 3, "{r}");
    assert!(first.is_sorted(), "oldest first: {first:?}");
    assert_eq!(
        r["data"]["components"][0]["components"][0]["custom_id"],
        "more:3"
    );
    let page = bot.click_more(7, &r).await;
    let second = embed_dates(&page);
    assert!(!second.is_empty());
    assert!(
        second.is_sorted() && first[2] <= second[0],
        "{first:?} then {second:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn latest_about_a_topic_names_it_and_lists_newest_first() {
    let bot = HttpBot::start().await;
    let r = bot
        .slash(
            6,
            command_data(
                "latest",
                "topic",
                "energy truce",
                json!({"since": "2026-11-20"}),
            ),
        )
        .await;
    assert_eq!(r["type"], 4);
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("The newest developments about “energy truce”, since 20 Nov 2026:"),
        "{r}"
    );
    let dates = embed_dates(&r);
    assert!(!dates.is_empty(), "{r}");
    assert!(dates.is_sorted_by(|a, b| a >= b), "newest first: {dates:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_are_autocompleted() {
    let bot = HttpBot::start().await;

    // Autocomplete of sources.
    let auto = interaction(
        6,
        4,
        json!({"id": "1200000000000000000", "name": "ask", "type": 1, "options": [
            {"name": "question", "type": 3, "value": "x"},
            {"name": "source", "type": 3, "value": "wire", "focused": true}
        ]}),
        USER,
        &[],
    );
    let r = bot.post(&auto).await;
    assert_eq!(r["type"], 8);
    let names: Vec<&str> = r["data"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Example Wire"), "{names:?}");
    assert!(names.iter().all(|n| n.to_lowercase().contains("wire")));
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_found_and_oversized_questions_are_said_only_to_the_asker() {
    let bot = HttpBot::start().await;

    // Nothing found: short, friendly, ephemeral. An oversized question: refused, ephemeral.
    let r = bot.slash(7, ask_data("sourdough recipe", json!({}))).await;
    assert_eq!(r["data"]["flags"], 64);
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("I found nothing")
    );
    let r = bot
        .slash(8, ask_data(&"ceasefire ".repeat(60), json!({})))
        .await;
    assert_eq!(r["data"]["flags"], 64);
    assert!(
        r["data"]["content"].as_str().unwrap().contains("too long"),
        "{r}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reindex_is_refused_to_members_and_deferred_then_reported_for_admins() {
    let bot = HttpBot::start().await;

    // /reindex: refused for a non-admin; deferred, then edited with the counts for an admin.
    let reindex = json!({"id": "1200000000000000004", "name": "reindex", "type": 1});
    let r = bot
        .post(&interaction(9, 2, reindex.clone(), USER, &[]))
        .await;
    assert_eq!(r["type"], 4);
    assert!(
        r["data"]["content"]
            .as_str()
            .unwrap()
            .contains("for admins only")
    );
    let r = bot.post(&interaction(10, 2, reindex, ADMIN, &[])).await;
    assert_eq!(r["type"], 5);
    let edit = bot
        .fake
        .wait_call(WAIT, |c| {
            c.method == "PATCH"
                && c.path
                    == format!(
                        "/api/v10/webhooks/{}/token-10/messages/@original",
                        discord_fake::APP_ID
                    )
                && c.body["content"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Reindex done"))
        })
        .await;
    assert!(
        edit.body["content"]
            .as_str()
            .unwrap()
            .contains("29 articles"),
        "{:?}",
        edit.body
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_mode_registers_commands_and_answers_over_rest() {
    let (_env, fake, _service) = discord_fake::gateway_bot(WAIT).await;
    // The bot must have asked the fake for the gateway URL (else it would go to the real Discord).
    fake.wait_call(WAIT, |c| c.path.starts_with("/api/v10/gateway"))
        .await;
    let put = fake
        .wait_call(WAIT, |c| c.method == "PUT" && c.path.ends_with("/commands"))
        .await;
    let names: Vec<&str> = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"ask") && names.contains(&"reindex"),
        "{names:?}"
    );
    let reindex = put
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "reindex")
        .unwrap();
    assert_eq!(reindex["default_member_permissions"], 0);

    fake.dispatch_interaction(interaction(
        21,
        2,
        ask_data("Is territory negotiable for Russia?", json!({})),
        USER,
        &[],
    ));
    let callback = fake
        .wait_call(WAIT, |c| {
            c.method == "POST" && c.path == "/api/v10/interactions/21/token-21/callback"
        })
        .await;
    assert_eq!(callback.body["type"], 4);
    assert_eq!(
        callback.body["data"]["embeds"][0]["url"], USHAKOV_URL,
        "{}",
        callback.body
    );
    assert!(
        !fake.calls().iter().any(|c| c.path.contains("discord.com")),
        "nothing went to the real Discord"
    );
}

/// Asks over the gateway and returns the callback body.
async fn ask_over_gateway(fake: &FakeDiscord, id: u64) -> Value {
    fake.dispatch_interaction(interaction(
        id,
        2,
        ask_data("Is territory negotiable for Russia?", json!({})),
        USER,
        &[],
    ));
    fake.wait_call(WAIT, |c| {
        c.method == "POST" && c.path == format!("/api/v10/interactions/{id}/token-{id}/callback")
    })
    .await
    .body
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_drops_are_survived_by_resuming_or_identifying_again() {
    let (_env, fake, mut service) = discord_fake::gateway_bot(WAIT).await;
    service.wait_healthy(WAIT).await;
    assert_eq!(
        ask_over_gateway(&fake, 41).await["data"]["embeds"][0]["url"],
        USHAKOV_URL
    );

    // 4000 (unknown error) is resumable: the bot resumes its session and keeps answering.
    fake.close_gateway(4000);
    let sessions = fake.wait_sessions(2, WAIT).await;
    assert_eq!(sessions[1], "resume", "{sessions:?}");
    assert_eq!(
        ask_over_gateway(&fake, 42).await["data"]["embeds"][0]["url"],
        USHAKOV_URL
    );

    // 4009 (session timed out) is not: the bot identifies again and keeps answering.
    fake.close_gateway(4009);
    let sessions = fake.wait_sessions(3, WAIT).await;
    assert_eq!(sessions[2], "identify", "{sessions:?}");
    assert_eq!(
        ask_over_gateway(&fake, 43).await["data"]["embeds"][0]["url"],
        USHAKOV_URL
    );
    service.wait_healthy(WAIT).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_stops_the_bot_with_a_clear_error() {
    let (_env, fake, mut service) = discord_fake::gateway_bot(WAIT).await;
    // 4004: authentication failed. Retrying cannot help; the operator must fix the token.
    fake.close_gateway(4004);
    let status = service.wait_exit(WAIT).await;
    assert_eq!(status.code(), Some(1), "{}", service.log_text());
    let log = service.log_text();
    assert!(
        log.contains("Discord rejected the bot token") && log.contains("TALKWATCH_DISCORD__TOKEN"),
        "{log}"
    );
    assert!(!log.contains("fake-bot-token"), "the token is never logged");
}
