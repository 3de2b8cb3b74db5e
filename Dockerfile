# talkwatch: a Rust build stage, then an image of the binary, the C library it links, the CA
# roots and the config: no shell, no package manager, run as user 10001.
#
#   DOCKER_BUILDKIT=1 docker build -t talkwatch .
#   docker run --rm -p 8080:8080 -v talkwatch-data:/data \
#     -e TALKWATCH_MATRIX__ENABLED=true -e TALKWATCH_MATRIX__HOMESERVER=https://matrix.example.org \
#     -e TALKWATCH_MATRIX__USER=@talkwatch:example.org -e TALKWATCH_MATRIX__PASSWORD=... talkwatch
#
# Needs BuildKit (the default from Docker 23; set DOCKER_BUILDKIT=1 on 20.10). Behind a proxy
# that inspects TLS, give cargo the proxy's CA bundle as a build secret (it never enters a layer):
#   docker build --secret id=ca,src=/path/to/ca-bundle.pem -t talkwatch .
# and at run time mount the same bundle and point SSL_CERT_FILE at it.
# `scripts/docker-check` builds and checks the image on a machine without a registry.
#
# No secret is baked in: tokens and passwords come from the environment (or *_file keys) at run
# time. Volumes: /data (article store, index, Matrix session and keys) and /etc/talkwatch (config).

FROM rust:1.95-slim-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY . .
# The crates.io download and the target directory are BuildKit cache mounts: after a code change
# only talkwatch itself compiles again, and there is no placeholder layer to drift from
# Cargo.toml. The image gets the binary, what `ldd` says it loads, and Debian's CA roots.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export CARGO_HTTP_CAINFO=/run/secrets/ca; fi \
    && cargo build --release --locked --bin talkwatch \
    && mkdir -p /out/usr/local/bin /out/etc/ssl/certs /out/etc/talkwatch /out/data /out/tmp \
    && cp target/release/talkwatch /out/usr/local/bin/ \
    && ldd target/release/talkwatch | grep -o '/[^ ]*' | xargs -I{} cp --parents -L {} /out \
    && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
    && cp config/talkwatch.toml config/aliases.toml config/synonyms.toml /out/etc/talkwatch/ \
    && echo 'talkwatch:x:10001:10001:talkwatch:/data:/nonexistent' > /out/etc/passwd \
    && echo 'talkwatch:x:10001:' > /out/etc/group \
    && chmod 1777 /out/tmp \
    && chown 10001:10001 /out/data

FROM scratch AS runtime
COPY --from=build /out/ /
ENV TALKWATCH_CONFIG=/etc/talkwatch/talkwatch.toml \
    TALKWATCH_DATA_DIR=/data \
    TALKWATCH_HTTP__LISTEN=0.0.0.0:8080 \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["talkwatch", "healthcheck"]
ENTRYPOINT ["talkwatch"]
CMD ["run"]
