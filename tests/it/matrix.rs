//! The Matrix adapter against a real Synapse on 127.0.0.1: what people in a room see.
//!
//! Each test registers its own users (the bot account included) and runs its own
//! `talkwatch run` process on its own data dir; the Synapse is shared by the test run.

use std::time::Duration;

use serde_json::Value;

use crate::support::service::Service;
use crate::support::synapse::{MatrixUser, Synapse, synapse};
use crate::support::{Env, eventually};

const WAIT: Duration = Duration::from_secs(60);

const USHAKOV_Q: &str = "What did Ushakov say about the American proposals?";
const USHAKOV_URL: &str = "https://wire.example.org/2026/11/ushakov-territory-not-negotiable";
const USHAKOV_TITLE: &str = "Ushakov: Russia will not bargain over territory after Moscow meetings";

/// A bot account, a data dir with the demo corpus, and the running service.
struct Bot {
    env: Env,
    user: MatrixUser,
    service: Service,
}

impl Bot {
    async fn start(hs: &Synapse, admins: &[&str]) -> Bot {
        Bot::start_with(hs, Env::with_demo(), admins, &[]).await
    }

    /// Starts the bot on `env` with extra settings and waits until it is connected.
    async fn start_with(hs: &Synapse, env: Env, admins: &[&str], extra: &[(&str, &str)]) -> Bot {
        let mut bot = Bot::spawn(hs, env, hs.base_url(), admins, false, extra).await;
        bot.service.wait_healthy(WAIT).await;
        bot
    }

    /// Starts the bot against `homeserver` (Synapse or a proxy in front of it), not waiting.
    /// With `use_token`, it gets an access token instead of the password (a password login
    /// would follow the homeserver's well-known URL and bypass a proxy).
    async fn spawn(
        hs: &Synapse,
        env: Env,
        homeserver: &str,
        admins: &[&str],
        use_token: bool,
        extra: &[(&str, &str)],
    ) -> Bot {
        let user = hs.register("talkwatch", false).await;
        let admins = serde_json::to_string(admins).unwrap();
        let credential = if use_token {
            let device = hs.login(&user.user_id, &user.password).await;
            ("TALKWATCH_MATRIX__ACCESS_TOKEN", device.access_token)
        } else {
            ("TALKWATCH_MATRIX__PASSWORD", user.password.clone())
        };
        let mut vars = vec![
            ("TALKWATCH_MATRIX__ENABLED", "true"),
            ("TALKWATCH_MATRIX__HOMESERVER", homeserver),
            ("TALKWATCH_MATRIX__USER", &user.user_id),
            (credential.0, &credential.1),
            ("TALKWATCH_MATRIX__STORE_PASSPHRASE", "test passphrase"),
            ("TALKWATCH_MATRIX__ADMINS", &admins),
        ];
        vars.extend_from_slice(extra);
        let service = Service::start(&env, &vars);
        Bot { env, user, service }
    }

    fn id(&self) -> &str {
        &self.user.user_id
    }

    fn saved_device(&self) -> String {
        let text =
            std::fs::read_to_string(self.env.data_dir().join("matrix/session.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        v["device_id"].as_str().unwrap().to_string()
    }
}

/// A room made by `owner` with the bot (and `others`) joined.
async fn room_with_bot(owner: &MatrixUser, bot: &Bot, others: &[&MatrixUser]) -> String {
    let mut invite: Vec<&str> = vec![bot.id()];
    invite.extend(others.iter().map(|u| u.user_id.as_str()));
    let room = owner.create_room("talks", &invite, false, false).await;
    for u in others {
        u.join(&room).await;
    }
    owner.wait_until_joined(&room, bot.id(), WAIT).await;
    room
}

/// The bot's reply to `question` (an event id): a notice in the question's thread.
async fn reply_to(user: &MatrixUser, room: &str, bot: &Bot, question: &str) -> Value {
    let bot_id = bot.id().to_string();
    let q = question.to_string();
    user.wait_for_event_after(room, question, WAIT, move |ev| {
        ev["sender"] == bot_id.as_str()
            && ev["type"] == "m.room.message"
            && ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == q.as_str()
    })
    .await
}

fn body(ev: &Value) -> &str {
    ev["content"]["body"].as_str().unwrap_or_default()
}

fn html(ev: &Value) -> &str {
    ev["content"]["formatted_body"].as_str().unwrap_or_default()
}

/// How many events of the bot relate to `question`.
async fn replies_to(user: &MatrixUser, room: &str, bot: &Bot, question: &str) -> usize {
    user.room_messages(room)
        .await
        .iter()
        .filter(|ev| {
            ev["sender"] == bot.id()
                && ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == question
        })
        .count()
}

#[tokio::test]
async fn ask_in_a_room_gets_one_threaded_notice_with_passage_and_link() {
    let hs = synapse().await;
    let bot = Bot::start(hs, &[]).await;
    let alice = hs.register("alice", false).await;
    let room = room_with_bot(&alice, &bot, &[]).await;

    let question = alice.send_text(&room, &format!("!ask {USHAKOV_Q}")).await;
    let reply = reply_to(&alice, &room, &bot, &question).await;

    assert_eq!(reply["content"]["msgtype"], "m.notice");
    let rel = &reply["content"]["m.relates_to"];
    assert_eq!(rel["rel_type"], "m.thread", "{reply}");
    assert_eq!(rel["event_id"], question.as_str());
    assert!(
        body(&reply).contains("broadly acceptable"),
        "{}",
        body(&reply)
    );
    assert!(body(&reply).contains(USHAKOV_URL), "{}", body(&reply));
    assert!(body(&reply).contains(USHAKOV_TITLE));
    assert!(
        html(&reply).contains(&format!("<a href=\"{USHAKOV_URL}\">{USHAKOV_TITLE}</a>")),
        "{}",
        html(&reply)
    );
    assert!(html(&reply).contains("<b>Ushakov</b>"), "{}", html(&reply));
    assert!(html(&reply).contains("<blockquote>"));

    // A question asked inside the thread is answered inside the same thread.
    let follow_up = alice
        .send_in_thread(&room, &question, "!ask Is territory negotiable for Russia?")
        .await;
    let second = reply_to(&alice, &room, &bot, &follow_up).await;
    assert_eq!(
        second["content"]["m.relates_to"]["event_id"],
        question.as_str()
    );
    assert!(
        body(&second).contains("is not negotiable"),
        "{}",
        body(&second)
    );

    // "!more" shows the next page of the room's last answer, numbered on from it.
    assert!(
        body(&second).contains("send !more to see the next ones"),
        "{}",
        body(&second)
    );
    let more = alice.send_text(&room, "!more").await;
    let page = reply_to(&alice, &room, &bot, &more).await;
    assert!(body(&page).starts_with("4. “"), "{}", body(&page));

    // A timeline: dated lines, oldest first, in the plain body and the HTML.
    let asked = alice.send_text(&room, "!timeline energy truce").await;
    let timeline = reply_to(&alice, &room, &bot, &asked).await;
    assert!(
        body(&timeline).starts_with("How “energy truce” developed (oldest first):\n1. "),
        "{}",
        body(&timeline)
    );
    let dates: Vec<chrono::NaiveDate> = body(&timeline)
        .lines()
        .filter_map(|l| l.split_once(". ")?.1.split_once(" — "))
        .filter_map(|(day, _)| chrono::NaiveDate::parse_from_str(day, "%d %b %Y").ok())
        .collect();
    assert!(dates.len() >= 2 && dates.is_sorted(), "{}", body(&timeline));
    assert!(
        html(&timeline).contains(&format!(
            "<blockquote><p><b>{}</b> — “",
            dates[0].format("%-d %b %Y")
        )),
        "{}",
        html(&timeline)
    );

    // Asked for the start, the oldest report answers and the newer coverage is pointed to.
    let asked = alice
        .send_text(
            &room,
            "!ask limit:1 What did Washington first say after the Moscow talks?",
        )
        .await;
    let first = reply_to(&alice, &room, &bot, &asked).await;
    assert!(body(&first).contains("\nNewer: “"), "{}", body(&first));
    assert!(html(&first).contains("<p>Newer: “"), "{}", html(&first));

    // Exactly one answer per question.
    assert_eq!(replies_to(&alice, &room, &bot, &question).await, 1);
    assert_eq!(replies_to(&alice, &room, &bot, &follow_up).await, 1);
}

#[tokio::test]
async fn mentions_dms_unknown_commands_and_huge_messages() {
    let hs = synapse().await;
    let bot = Bot::start(hs, &[]).await;
    let bob = hs.register("bob", false).await;
    let room = room_with_bot(&bob, &bot, &[]).await;

    // Plain chatter is not for the bot; a mention by name is.
    let chatter = bob
        .send_text(&room, "Anyone following the Geneva talks?")
        .await;
    let localpart = bot.id().trim_start_matches('@').split(':').next().unwrap();
    let mention = bob
        .send_text(
            &room,
            &format!("{localpart}: Is territory negotiable for Russia?"),
        )
        .await;
    let reply = reply_to(&bob, &room, &bot, &mention).await;
    assert!(
        body(&reply).contains("is not negotiable"),
        "{}",
        body(&reply)
    );
    // The chatter was read and left alone (not merely not handled yet): then no reply came.
    let metrics = bot.service.url("/metrics");
    crate::support::eventually(
        WAIT,
        async || {
            let text = reqwest::get(&metrics).await.ok()?.text().await.ok()?;
            text.contains("talkwatch_messages_ignored_total{platform=\"matrix\"} 1")
                .then_some(())
        },
        || "the bot never counted the chatter as read and left alone".into(),
    )
    .await;
    assert_eq!(replies_to(&bob, &room, &bot, &chatter).await, 0);

    // A pill mention (m.mentions) anywhere in the message.
    let pill = bob
        .send_message(
            &room,
            &serde_json::json!({
                "msgtype": "m.text",
                "body": format!("hey {localpart} what did Ushakov say about the American proposals?"),
                "m.mentions": { "user_ids": [bot.id()] },
            }),
        )
        .await;
    let reply = reply_to(&bob, &room, &bot, &pill).await;
    assert!(body(&reply).contains(USHAKOV_URL), "{}", body(&reply));

    // Unknown command: says so and points to help.
    let unknown = bob.send_text(&room, "!frobnicate now").await;
    let reply = reply_to(&bob, &room, &bot, &unknown).await;
    assert!(
        body(&reply).contains("Unknown command `frobnicate`"),
        "{}",
        body(&reply)
    );
    assert!(body(&reply).contains("!help"));

    // A 20 KB message: a clear refusal, and the bot keeps answering.
    let huge = bob
        .send_text(&room, &format!("!ask {}", "ceasefire ".repeat(2_000)))
        .await;
    let reply = reply_to(&bob, &room, &bot, &huge).await;
    assert!(body(&reply).contains("too long"), "{}", body(&reply));
    let help = bob.send_text(&room, "!help").await;
    let reply = reply_to(&bob, &room, &bot, &help).await;
    assert!(body(&reply).contains("!ask <question>"), "{}", body(&reply));

    // In a direct-message room every message is a question.
    let dm = bob.create_room("", &[bot.id()], true, false).await;
    bob.wait_until_joined(&dm, bot.id(), WAIT).await;
    let q = bob
        .send_text(&dm, "Is territory negotiable for Russia?")
        .await;
    let reply = reply_to(&bob, &dm, &bot, &q).await;
    assert!(
        body(&reply).contains("is not negotiable"),
        "{}",
        body(&reply)
    );
}

#[tokio::test]
async fn reindex_is_for_admins_and_reports_progress_then_counts() {
    let hs = synapse().await;
    let admin = hs.register("admin", false).await;
    let bot = Bot::start(hs, &[&admin.user_id]).await;
    let carol = hs.register("carol", false).await;
    let room = room_with_bot(&admin, &bot, &[&carol]).await;
    let current = || std::fs::read_to_string(bot.env.data_dir().join("CURRENT")).ok();
    let before = current();

    let refused = carol.send_text(&room, "!reindex").await;
    let reply = reply_to(&carol, &room, &bot, &refused).await;
    assert!(body(&reply).contains("for admins only"), "{}", body(&reply));
    assert_eq!(
        current(),
        before,
        "a refused reindex must not touch the index"
    );

    let asked = admin.send_text(&room, "!reindex").await;
    let progress = admin
        .wait_for_event_after(&room, &asked, WAIT, |ev| {
            body(ev).contains("Rebuilding the search index")
        })
        .await;
    let done = admin
        .wait_for_event_after(&room, progress["event_id"].as_str().unwrap(), WAIT, |ev| {
            body(ev).starts_with("Reindex done")
        })
        .await;
    assert!(body(&done).contains("29 articles"), "{}", body(&done));
    assert_eq!(done["content"]["m.relates_to"]["event_id"], asked.as_str());
    assert_ne!(current(), before, "the index generation changed");

    // Leaving is an admin command too.
    let leave = carol.send_text(&room, "!leave").await;
    let reply = reply_to(&carol, &room, &bot, &leave).await;
    assert!(body(&reply).contains("for admins only"));
    let leave = admin.send_text(&room, "!leave").await;
    let reply = reply_to(&admin, &room, &bot, &leave).await;
    assert!(body(&reply).contains("Goodbye"));
    admin
        .wait_for_event_after(&room, &leave, WAIT, |ev| {
            ev["type"] == "m.room.member"
                && ev["state_key"] == bot.id()
                && ev["content"]["membership"] == "leave"
        })
        .await;
}

#[tokio::test]
async fn a_restart_reuses_the_device_and_never_answers_old_messages() {
    let hs = synapse().await;
    let mut bot = Bot::start(hs, &[]).await;
    let dave = hs.register("dave", false).await;
    let room = room_with_bot(&dave, &bot, &[]).await;
    let first = dave
        .send_text(&room, "!ask Is territory negotiable for Russia?")
        .await;
    reply_to(&dave, &room, &bot, &first).await;
    let device = bot.saved_device();

    bot.service.kill();
    let while_down = dave.send_text(&room, "!stats").await;
    bot.service.restart(&bot.env);
    bot.service.wait_healthy(WAIT).await;

    let after = dave.send_text(&room, "!sources").await;
    let reply = reply_to(&dave, &room, &bot, &after).await;
    assert!(body(&reply).contains("Example Wire"), "{}", body(&reply));
    assert_eq!(replies_to(&dave, &room, &bot, &while_down).await, 0);
    assert_eq!(replies_to(&dave, &room, &bot, &first).await, 1);
    assert_eq!(bot.saved_device(), device, "the same device is reused");
    let devices = bot
        .user
        .api(reqwest::Method::GET, "/_matrix/client/v3/devices", None)
        .await;
    let ids: Vec<&str> = devices["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["device_id"].as_str())
        .collect();
    // The registration's device plus the bot's one: no new device per start.
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&device.as_str()));

    // `talkwatch healthcheck` (the Docker HEALTHCHECK) sees the running service.
    let out = bot
        .env
        .cmd()
        .arg("healthcheck")
        .env(
            "TALKWATCH_HTTP__LISTEN",
            format!("127.0.0.1:{}", bot.service.port),
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"matrix\""));

    // SIGTERM: a clean exit, well within 10 s.
    let status = bot.service.terminate(Duration::from_secs(10));
    assert!(status.is_some_and(|s| s.success()), "{status:?}");

    // No secret in the logs.
    let log = bot.service.log_text();
    assert!(
        !log.contains(&bot.user.password),
        "password leaked into the log"
    );
    assert!(
        !log.contains("test passphrase"),
        "passphrase leaked into the log"
    );
}

#[tokio::test]
async fn encrypted_rooms_are_read_and_answered_encrypted() {
    use matrix_sdk::config::SyncSettings;
    use matrix_sdk::ruma::api::client::room::create_room::v3::Request as CreateRoom;
    use matrix_sdk::ruma::events::InitialStateEvent;
    use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
    use matrix_sdk::ruma::events::room::message::{
        MessageType, OriginalSyncRoomMessageEvent, RoomMessageEventContent,
    };

    let hs = synapse().await;
    let bot = Bot::start(hs, &[]).await;
    let erin = hs.register("erin", false).await;

    // Erin's chat client: a second device of her account that does end-to-end encryption.
    let client = matrix_sdk::Client::builder()
        .homeserver_url(hs.base_url())
        .build()
        .await
        .unwrap();
    client
        .matrix_auth()
        .login_username(&erin.user_id, &erin.password)
        .send()
        .await
        .unwrap();
    client
        .sync_once(SyncSettings::default().timeout(Duration::ZERO))
        .await
        .unwrap();
    let mut request = CreateRoom::new();
    request.invite = vec![bot.id().parse().unwrap()];
    request.initial_state = vec![
        InitialStateEvent::with_empty_state_key(
            RoomEncryptionEventContent::with_recommended_defaults(),
        )
        .to_raw_any(),
    ];
    let room = client.create_room(request).await.unwrap();
    let room_id = room.room_id().to_string();
    erin.wait_until_joined(&room_id, bot.id(), WAIT).await;

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(ev);
        }
    });
    client
        .sync_once(SyncSettings::default().timeout(Duration::ZERO))
        .await
        .unwrap();
    let sent = room
        .send(RoomMessageEventContent::text_plain(format!(
            "!ask {USHAKOV_Q}"
        )))
        .await
        .unwrap();
    let question = sent.response.event_id.to_string();

    let deadline = std::time::Instant::now() + WAIT;
    let reply = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no decrypted reply within {WAIT:?}"
        );
        client
            .sync_once(SyncSettings::default().timeout(Duration::from_secs(5)))
            .await
            .unwrap();
        let mut found = None;
        while let Ok(ev) = rx.try_recv() {
            if ev.sender.as_str() == bot.id() {
                found = Some(ev);
            }
        }
        if let Some(ev) = found {
            break ev;
        }
    };
    let MessageType::Notice(notice) = &reply.content.msgtype else {
        panic!("expected a notice, got {:?}", reply.content.msgtype);
    };
    assert!(
        notice.body.contains("broadly acceptable"),
        "{}",
        notice.body
    );
    assert!(notice.body.contains(USHAKOV_URL));
    let formatted = notice
        .formatted
        .as_ref()
        .map(|f| f.body.as_str())
        .unwrap_or_default();
    assert!(
        formatted.contains(&format!("<a href=\"{USHAKOV_URL}\">")),
        "{formatted}"
    );

    // On the wire, both the question and the answer were encrypted.
    let raw = erin
        .wait_for_event_after(&room_id, &question, WAIT, |ev| ev["sender"] == bot.id())
        .await;
    assert_eq!(raw["type"], "m.room.encrypted", "{raw}");
    assert!(!raw.to_string().contains("broadly acceptable"));
}

/// `/healthz` as (status, JSON body).
async fn health(service: &Service) -> (u16, Value) {
    match reqwest::get(service.url("/healthz")).await {
        Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or(Value::Null)),
        Err(_) => (0, Value::Null),
    }
}

/// Polls `/healthz` until `pred` holds.
async fn wait_health(service: &Service, what: &str, pred: impl Fn(u16, &Value) -> bool) -> Value {
    let last = std::sync::Mutex::new((0, Value::Null));
    eventually(
        WAIT,
        async || {
            let (status, body) = health(service).await;
            let answered = pred(status, &body).then(|| body.clone());
            *last.lock().unwrap() = (status, body);
            answered
        },
        || {
            let (status, body) = &*last.lock().unwrap();
            format!(
                "/healthz never showed {what}; last: {status} {body}\n{}",
                service.log_text()
            )
        },
    )
    .await
}

#[tokio::test]
async fn a_homeserver_outage_is_retried_and_the_bot_recovers_without_restart() {
    let hs = synapse().await;
    let proxy = crate::support::proxy::Proxy::start(hs.base_url().trim_start_matches("http://"));
    proxy.down();
    let mut bot = Bot::spawn(hs, Env::with_demo(), &proxy.url(), &[], true, &[]).await;

    // Down at start: the service runs, says what is down, and keeps trying.
    let status = wait_health(&bot.service, "matrix retrying", |status, body| {
        status == 503
            && body["parts"]["matrix"]["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("retrying"))
    })
    .await;
    assert_eq!(status["parts"]["index"]["up"], true, "{status}");
    proxy.up();
    bot.service.wait_healthy(WAIT).await;

    let frank = hs.register("frank", false).await;
    let room = room_with_bot(&frank, &bot, &[]).await;
    let q = frank
        .send_text(&room, "!ask Is territory negotiable for Russia?")
        .await;
    assert!(body(&reply_to(&frank, &room, &bot, &q).await).contains("is not negotiable"));

    // Down while running: detected, retried, recovered; questions are answered again.
    proxy.down();
    wait_health(&bot.service, "matrix down", |status, _| status == 503).await;
    proxy.up();
    bot.service.wait_healthy(WAIT).await;
    let q = frank
        .send_text(
            &room,
            "!ask What did Ushakov say about the American proposals?",
        )
        .await;
    assert!(body(&reply_to(&frank, &room, &bot, &q).await).contains(USHAKOV_URL));
    assert!(
        bot.service
            .log_text()
            .contains("Matrix connection failed; retrying")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watches_post_new_feed_articles_once_as_a_digest() {
    use crate::feeds::{FILLER, LONG, rss};
    let hs = synapse().await;
    let (base, feed) = crate::feeds::serve().await;
    *feed.rss.lock().unwrap() = rss(&[(
        "w-0",
        "Grain corridor talks open a fourth round",
        "https://harbour.example.org/round-four",
        &format!("&lt;p&gt;{LONG}&lt;/p&gt;"),
    )]);
    let env = Env::new();
    let out = env
        .cmd()
        .args([
            "feeds",
            "add",
            &format!("{base}/rss.xml"),
            "--name",
            "Harbour Wire",
            "--interval",
            "1s",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let bot = Bot::start_with(hs, env, &[], &[("TALKWATCH_CHAT__ALERT_DIGEST_SECS", "1")]).await;
    let gina = hs.register("gina", false).await;
    let room = room_with_bot(&gina, &bot, &[]).await;

    let set = gina.send_text(&room, "!watch ceasefire monitors").await;
    let ack = reply_to(&gina, &room, &bot, &set).await;
    assert!(
        body(&ack).starts_with("Watching “ceasefire monitors”"),
        "{}",
        body(&ack)
    );
    let list = gina.send_text(&room, "!watches").await;
    assert!(body(&reply_to(&gina, &room, &bot, &list).await).contains("• ceasefire monitors"));

    // Two matching articles arrive in one poll: one digest message in the room.
    *feed.rss.lock().unwrap() = rss(&[
        (
            "w-0",
            "Grain corridor talks open a fourth round",
            "https://harbour.example.org/round-four",
            &format!("&lt;p&gt;{LONG}&lt;/p&gt;"),
        ),
        (
            "w-1",
            "Ceasefire monitors arrive in the port city",
            "https://harbour.example.org/monitors",
            &format!(
                "&lt;p&gt;{}&lt;/p&gt;&lt;p&gt;Ceasefire monitors arrived on Saturday.&lt;/p&gt;",
                FILLER[4]
            ),
        ),
        (
            "w-2",
            "More ceasefire monitors expected",
            "https://harbour.example.org/more-monitors",
            &format!(
                "&lt;p&gt;{}&lt;/p&gt;&lt;p&gt;A second team of ceasefire monitors is expected next week.&lt;/p&gt;",
                FILLER[5]
            ),
        ),
    ]);
    let bot_id = bot.id().to_string();
    let alert = gina
        .wait_for_event_after(&room, &list, WAIT, move |ev| {
            ev["sender"] == bot_id.as_str() && body(ev).contains("new articles for your watches")
        })
        .await;
    assert!(
        body(&alert).starts_with("2 new articles"),
        "{}",
        body(&alert)
    );
    assert!(body(&alert).contains("https://harbour.example.org/monitors"));
    assert!(body(&alert).contains("https://harbour.example.org/more-monitors"));
    assert!(!body(&alert).contains("round-four"));
    assert!(html(&alert).contains("<b>"), "{}", html(&alert));

    // Another outlet's copy of a report already alerted is not alerted again; a new report is.
    let monitors = format!(
        "&lt;p&gt;{}&lt;/p&gt;&lt;p&gt;Ceasefire monitors arrived on Saturday.&lt;/p&gt;",
        FILLER[4]
    );
    *feed.rss.lock().unwrap() = rss(&[
        (
            "w-3",
            "Monitors reach the port city (Northern Courier)",
            "https://courier.example.org/monitors-port-city",
            &format!(
                "{monitors}&lt;p&gt;The Northern Courier's reporter travelled with them.&lt;/p&gt;"
            ),
        ),
        (
            "w-4",
            "Ceasefire monitors set up a base at the airport",
            "https://harbour.example.org/monitors-airport",
            "&lt;p&gt;The ceasefire monitors moved into two hangars at the old airport on Monday, \
             where engineers had laid cables for radios and a clinic over the weekend. Their commander \
             said patrols would start from there at dawn each day and return before dark, and that \
             local drivers had been hired to take the teams to the villages along the river.&lt;/p&gt;",
        ),
    ]);
    let bot_id = bot.id().to_string();
    let first = alert["event_id"].clone();
    let first_id = first.as_str().unwrap().to_string();
    let second = gina
        .wait_for_event_after(&room, &first_id, WAIT, move |ev| {
            ev["sender"] == bot_id.as_str()
                && ev["event_id"] != first
                && body(ev).contains("for your watch")
        })
        .await;
    assert!(
        body(&second).starts_with("New article for your watch “ceasefire monitors”"),
        "{}",
        body(&second)
    );
    assert!(
        body(&second).contains("monitors-airport"),
        "{}",
        body(&second)
    );
    assert!(
        !body(&second).contains("courier.example.org"),
        "{}",
        body(&second)
    );

    // Later polls (304, or the same items) never repeat it; an unwatch is confirmed.
    let stop = gina.send_text(&room, "!unwatch ceasefire monitors").await;
    let done = reply_to(&gina, &room, &bot, &stop).await;
    assert!(
        body(&done).starts_with("Stopped watching"),
        "{}",
        body(&done)
    );
    let alerts = gina
        .room_messages(&room)
        .await
        .iter()
        .filter(|ev| body(ev).contains("for your watch"))
        .count();
    assert_eq!(alerts, 2);
}

#[tokio::test]
async fn fast_askers_get_one_slow_down_and_others_still_get_answers() {
    let hs = synapse().await;
    let limits = [
        ("TALKWATCH_CHAT__USER_LIMIT", "2"),
        ("TALKWATCH_CHAT__LIMIT_WINDOW_SECS", "600"),
    ];
    let bot = Bot::start_with(hs, Env::new(), &[], &limits).await;
    let (hank, ida) = (
        hs.register("hank", false).await,
        hs.register("ida", false).await,
    );
    let room = room_with_bot(&hank, &bot, &[&ida]).await;
    let mut asked = Vec::new();
    for _ in 0..2 {
        let q = hank.send_text(&room, "!stats").await;
        reply_to(&hank, &room, &bot, &q).await;
        asked.push(q);
    }
    let third = hank.send_text(&room, "!stats").await;
    let slow = reply_to(&hank, &room, &bot, &third).await;
    assert!(body(&slow).contains("Please wait"), "{}", body(&slow));
    let fourth = hank.send_text(&room, "!stats").await;
    // Someone else is still answered, and the fourth message of the fast asker got nothing.
    let other = ida.send_text(&room, "!help").await;
    reply_to(&ida, &room, &bot, &other).await;
    assert_eq!(replies_to(&hank, &room, &bot, &fourth).await, 0);
}
