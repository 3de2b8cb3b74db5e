//! A TCP forwarder on 127.0.0.1 that a test can switch off and on, to make a real server look
//! down (connections refused or cut) and back up without restarting it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    pub port: u16,
    up: Arc<AtomicBool>,
    /// Bumped to cut every open connection.
    epoch: watch::Sender<u64>,
    cut: Arc<AtomicU64>,
}

impl Proxy {
    /// Forwards 127.0.0.1:<port> to `target` ("127.0.0.1:8008"). Runs on its own thread so it
    /// outlives the runtime of the test that started it.
    pub fn start(target: &str) -> Proxy {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        std_listener.set_nonblocking(true).unwrap();
        let port = std_listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (epoch, _) = watch::channel(0u64);
        let proxy = Proxy {
            port,
            up: up.clone(),
            epoch: epoch.clone(),
            cut: Arc::new(AtomicU64::new(0)),
        };
        let target = target.to_string();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    let Ok((mut inbound, _)) = listener.accept().await else {
                        continue;
                    };
                    if !up.load(Ordering::SeqCst) {
                        drop(inbound); // looks like a server that is down
                        continue;
                    }
                    let target = target.clone();
                    let mut cut = epoch.subscribe();
                    tokio::spawn(async move {
                        let Ok(mut outbound) = TcpStream::connect(&target).await else {
                            return;
                        };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = cut.changed() => {}
                        }
                    });
                }
            });
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Refuses new connections and cuts the open ones.
    pub fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        let n = self.cut.fetch_add(1, Ordering::SeqCst) + 1;
        self.epoch.send_replace(n);
    }

    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}
