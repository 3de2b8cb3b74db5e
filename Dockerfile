# talkwatch: multi-stage build → small runtime image running as a non-root user.
#
#   docker build -t talkwatch .
#   docker run --rm -p 8080:8080 -v talkwatch-data:/data \
#     -e TALKWATCH_MATRIX__ENABLED=true -e TALKWATCH_MATRIX__HOMESERVER=https://matrix.example.org \
#     -e TALKWATCH_MATRIX__USER=@talkwatch:example.org -e TALKWATCH_MATRIX__PASSWORD=... talkwatch
#
# No secret is baked in: tokens and passwords come from the environment (or *_file keys) at run
# time. Volumes: /data (article store, index, Matrix session and keys) and /etc/talkwatch (config).

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Dependencies first, in their own cached layer: build them against placeholder sources.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches/support tests/it \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/core.rs \
    && echo 'fn main() {}' > benches/matrix.rs \
    && echo 'fn main() {}' > tests/it/main.rs \
    && cargo build --release --locked --bin talkwatch \
    && rm -rf src benches tests
COPY . .
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin talkwatch \
    && cp target/release/talkwatch /usr/local/bin/talkwatch

FROM debian:bookworm-slim AS runtime
RUN groupadd --system --gid 10001 talkwatch \
    && useradd --system --uid 10001 --gid talkwatch --home-dir /data --shell /usr/sbin/nologin talkwatch \
    && mkdir -p /data /etc/talkwatch \
    && chown talkwatch:talkwatch /data
COPY --from=build /usr/local/bin/talkwatch /usr/local/bin/talkwatch
COPY config/talkwatch.toml config/aliases.toml /etc/talkwatch/
ENV TALKWATCH_CONFIG=/etc/talkwatch/talkwatch.toml \
    TALKWATCH_DATA_DIR=/data \
    TALKWATCH_HTTP__LISTEN=0.0.0.0:8080
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["talkwatch", "healthcheck"]
ENTRYPOINT ["talkwatch"]
CMD ["run"]
