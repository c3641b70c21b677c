//! Attachments end to end, on both stores and the three file stores (the database, a local
//! directory, and S3 as moto's server implements it): the same bytes come back; pages and SVG
//! download with nosniff; a file's type is its bytes'; over-limit uploads are refused before
//! the body is read; uploads are their uploader's alone; orphans and an erased visitor's files
//! leave the storage.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, Backend, TestApp, Workspace};
use crate::ws_client::WsClient;

/// Where a test's files are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Files {
    Database,
    Local,
    S3,
}

/// A file store for one test, and what keeps it alive.
struct FileStore {
    env: Vec<(&'static str, String)>,
    dir: Option<tempfile::TempDir>,
    _moto: Option<Moto>,
}

impl FileStore {
    async fn start(kind: Files, extra: &[(&'static str, &str)]) -> Self {
        let mut store = match kind {
            Files::Database => Self {
                env: vec![],
                dir: None,
                _moto: None,
            },
            Files::Local => {
                let dir = tempfile::tempdir().unwrap();
                Self {
                    env: vec![
                        ("PARLEY_FILE_STORE", "local".into()),
                        ("PARLEY_FILE_DIR", dir.path().to_string_lossy().into_owned()),
                    ],
                    dir: Some(dir),
                    _moto: None,
                }
            }
            Files::S3 => {
                let moto = Moto::start().await;
                Self {
                    env: vec![
                        ("PARLEY_FILE_STORE", "s3".into()),
                        ("PARLEY_S3_BUCKET", "parley-files".into()),
                        ("PARLEY_S3_ENDPOINT", moto.url()),
                        ("PARLEY_S3_ACCESS_KEY_ID", "test".into()),
                        ("PARLEY_S3_SECRET_ACCESS_KEY", "test".into()),
                    ],
                    dir: None,
                    _moto: Some(moto),
                }
            }
        };
        store
            .env
            .extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        store
    }

    async fn app(&self, backend: Backend) -> TestApp {
        let pairs: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        spawn_app_with(backend, &pairs).await
    }

    /// Whether the store holds a file under `key`, looked at directly (not through the server).
    async fn has(&self, app: &TestApp, key: &str) -> bool {
        match (&self.dir, &self._moto) {
            (Some(dir), _) => dir.path().join(key).exists(),
            (None, Some(moto)) => {
                use object_store::ObjectStoreExt;
                let s3 = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name("parley-files")
                    .with_region("us-east-1")
                    .with_endpoint(moto.url())
                    .with_allow_http(true)
                    .with_access_key_id("test")
                    .with_secret_access_key("test")
                    .build()
                    .unwrap();
                match s3.head(&object_store::path::Path::from(key)).await {
                    Ok(_) => true,
                    Err(object_store::Error::NotFound { .. }) => false,
                    Err(e) => panic!("moto: {e}"),
                }
            }
            (None, None) => app.store().blob(key).await.unwrap().is_some(),
        }
    }

    /// The files in a local store's directory.
    fn files_on_disk(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.dir.as_ref().expect("a local store").path(), &mut out);
        out
    }
}

/// moto's S3-compatible server (installed by scripts/test), with one bucket.
struct Moto {
    port: u16,
    child: Child,
}

impl Moto {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server (scripts/test installs it)");
        let moto = Self { port, child };
        let client = reqwest::Client::new();
        for _ in 0..100 {
            if let Ok(r) = client
                .put(format!("{}/parley-files", moto.url()))
                .send()
                .await
            {
                assert!(r.status().is_success(), "bucket: {}", r.status());
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto_server did not start");
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let picture = image::DynamicImage::new_rgb8(width, height);
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// Uploads `bytes` as `name`: as the visitor holding `token` on `site_key`, or as the agent.
async fn upload(
    app: &TestApp,
    auth: &str,
    site_key: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let url = match site_key {
        Some(key) => app.url(&format!("/api/v1/uploads?site_key={key}")),
        None => app.url("/api/v1/uploads"),
    };
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(auth)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn visitor(app: &TestApp, ws: &Workspace) -> (WsClient, String) {
    let (client, welcome) = app.visitor(&ws.site).await;
    let token = welcome["token"].as_str().unwrap().to_owned();
    (client, token)
}

/// Sends `body` with `files` (upload ids) over the connection; the reply.
async fn send_files(client: &mut WsClient, body: &str, files: Value) -> Value {
    client
        .call(
            json!({"type": "send", "client_msg_id": uuid::Uuid::new_v4().to_string(),
                     "body": body, "attachments": files}),
        )
        .await
}

async fn download(url: &str) -> reqwest::Response {
    reqwest::get(url).await.unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::{Files, $name as run};
                use crate::helpers::Backend;
                #[actix_web::test]
                async fn postgres_database() { run(Backend::Postgres, Files::Database).await }
                #[actix_web::test]
                async fn sqlite_database() { run(Backend::Sqlite, Files::Database).await }
                #[actix_web::test]
                async fn postgres_local() { run(Backend::Postgres, Files::Local).await }
                #[actix_web::test]
                async fn sqlite_local() { run(Backend::Sqlite, Files::Local).await }
                #[actix_web::test]
                async fn postgres_s3() { run(Backend::Postgres, Files::S3).await }
                #[actix_web::test]
                async fn sqlite_s3() { run(Backend::Sqlite, Files::S3).await }
            }
        )*
    };
}

on_every_store!(files_go_both_ways_byte_for_byte);

async fn files_go_both_ways_byte_for_byte(backend: Backend, files: Files) {
    let store = FileStore::start(files, &[]).await;
    let app = store.app(backend).await;
    let ws = app.first_workspace().await;
    let key = ws.site.site_key.to_string();
    let (mut agent, _) = app.agent(&ws.token).await;

    // A visitor's screenshot, sent without words.
    let (mut visitor, token) = visitor(&app, &ws).await;
    let shot = png(640, 400);
    let (status, uploaded) = upload(&app, &token, Some(&key), "shot.png", shot.clone()).await;
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["content_type"], "image/png");
    assert_eq!(uploaded["name"], "shot.png");
    assert_eq!(uploaded["size"], shot.len());
    let sent = send_files(&mut visitor, "", json!([uploaded["id"]])).await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = agent.recv_type("message").await;
    let file = &seen["message"]["attachments"][0];
    assert_eq!(file["id"], uploaded["id"], "{seen}");
    assert_eq!(seen["message"]["body"], "");
    let got = download(file["url"].as_str().unwrap()).await;
    assert_eq!(got.status(), 200);
    assert_eq!(header(&got, "content-type"), "image/png");
    assert!(header(&got, "content-disposition").starts_with("inline"));
    assert_eq!(header(&got, "x-content-type-options"), "nosniff");
    assert_eq!(got.bytes().await.unwrap().to_vec(), shot, "the same bytes");
    let thumb = download(file["thumbnail_url"].as_str().unwrap()).await;
    assert_eq!(thumb.status(), 200);
    let preview = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((preview.width(), preview.height()), (320, 200));

    // An agent's PDF, sent over HTTP with words.
    let (status, pdf) = upload(&app, &ws.token, None, "invoice.pdf", PDF.to_vec()).await;
    assert_eq!(status, 201, "{pdf}");
    assert_eq!(pdf["content_type"], "application/pdf");
    let (status, message) = app
        .api(
            "POST",
            &format!("/conversations/{conversation}/messages"),
            Some(&ws.token),
            Some(json!({"client_msg_id": uuid::Uuid::new_v4().to_string(),
                        "body": "Your invoice", "attachments": [pdf["id"]]})),
        )
        .await;
    assert_eq!(status, 201, "{message}");
    let received = visitor.recv_type("message").await;
    let file = &received["message"]["attachments"][0];
    assert_eq!(file["name"], "invoice.pdf");
    assert!(file.get("thumbnail_url").is_none());
    let got = download(file["url"].as_str().unwrap()).await;
    assert_eq!(header(&got, "content-type"), "application/pdf");
    assert!(header(&got, "content-disposition").starts_with("attachment"));
    assert!(header(&got, "content-security-policy").contains("sandbox"));
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);

    // History carries them too, with working links.
    let (status, page) = app
        .api(
            "GET",
            &format!("/conversations/{conversation}/messages"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let files: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["attachments"].as_array().unwrap())
        .collect();
    assert_eq!(files.len(), 2, "{page}");
    if files_kind_is_local(&store) {
        assert_eq!(store.files_on_disk().len(), 3, "two files and a preview");
    }
}

fn files_kind_is_local(store: &FileStore) -> bool {
    store.dir.is_some()
}

#[actix_web::test]
async fn pages_and_svg_download_and_a_renamed_file_is_not_an_image() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let ws = app.first_workspace().await;
    let (mut visitor, token) = visitor(&app, &ws).await;
    let sent = visitor.send_text(None, "hello").await;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = b"<!doctype html><html><script>alert(document.cookie)</script></html>".to_vec();
    let svg =
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><rect/></svg>".to_vec();
    let renamed = b"just some words, not a picture".to_vec();
    let mut ids = Vec::new();
    for (name, bytes, expected) in [
        ("page.html", page, "text/html"),
        ("logo.svg", svg, "image/svg+xml"),
        ("photo.png", renamed, "text/plain"),
    ] {
        let (status, uploaded) = upload(&app, &ws.token, None, name, bytes).await;
        assert_eq!(status, 201, "{uploaded}");
        assert_eq!(uploaded["content_type"], expected, "{name}");
        ids.push(uploaded["id"].clone());
    }
    let (status, message) = app
        .api(
            "POST",
            &format!("/conversations/{conversation}/messages"),
            Some(&ws.token),
            Some(json!({"client_msg_id": uuid::Uuid::new_v4().to_string(), "attachments": ids})),
        )
        .await;
    assert_eq!(status, 201, "{message}");
    for file in message["attachments"].as_array().unwrap() {
        let got = download(file["url"].as_str().unwrap()).await;
        assert_eq!(got.status(), 200);
        assert_ne!(header(&got, "content-type"), "image/png");
        assert!(
            header(&got, "content-disposition").starts_with("attachment"),
            "{file}"
        );
        assert_eq!(header(&got, "x-content-type-options"), "nosniff");
        assert!(header(&got, "content-security-policy").contains("sandbox"));
        assert!(file.get("thumbnail_url").is_none());
    }
    // Visitors may not send pages at all (the site's default kinds).
    let key = ws.site.site_key.to_string();
    let (status, refused) = upload(
        &app,
        &token,
        Some(&key),
        "page.html",
        b"<html><script>x</script></html>".to_vec(),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    // A link changed by one character, or for another variant, is nobody's.
    let url = message["attachments"][0]["url"].as_str().unwrap();
    // (The changed character must differ from the one it replaces: a signature
    // ending in '0' made this check pass a genuine link once in sixteen runs.)
    let last = if url.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &url[..url.len() - 1]);
    assert_eq!(download(&forged).await.status(), 404);
    assert_eq!(download(&format!("{url}&v=thumb")).await.status(), 404);
    let (head, _) = url.split_once('?').unwrap();
    assert_eq!(download(head).await.status(), 400, "no signature: refused");
}

/// The response's status line, read from a raw connection after writing `request`.
fn raw_status(port: u16, request: &[u8], then: &[u8]) -> String {
    let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket.write_all(request).unwrap();
    // The server may answer (and stop reading) before all of it is written.
    let _ = socket.write_all(then);
    let mut answer = [0u8; 256];
    let n = socket.read(&mut answer).unwrap();
    String::from_utf8_lossy(&answer[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[actix_web::test]
async fn over_limit_uploads_are_refused_without_reading_the_body() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_MAX_UPLOAD_BYTES", "65536")]).await;
    let ws = app.first_workspace().await;
    let port = app.port;
    let token = ws.token.clone();
    let head = |length: &str| {
        format!(
            "POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: multipart/form-data; boundary=XyZ\r\n{length}\r\n\
             --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\r\n"
        )
    };
    // Raw connections on a blocking thread: the test's runtime drives the server's pool.
    // Announced as a gigabyte: refused at once (the test sends only 1 KiB of it).
    let status = tokio::task::spawn_blocking({
        let request = head("Content-Length: 1073741824\r\n");
        move || raw_status(port, request.as_bytes(), &[7u8; 1024])
    })
    .await
    .unwrap();
    assert!(status.contains(" 413 "), "{status}");
    // Chunked, without a length: refused once past the limit, long before the body ends
    // (the test never ends it).
    let status = tokio::task::spawn_blocking({
        let request = head("Transfer-Encoding: chunked\r\n");
        move || {
            let mut chunks = Vec::new();
            for _ in 0..40 {
                chunks.extend_from_slice(b"1000\r\n");
                chunks.extend_from_slice(&[7u8; 4096]);
                chunks.extend_from_slice(b"\r\n");
            }
            // The head's multipart preamble goes in the first chunk.
            let (headers, preamble) = request.split_once("\r\n\r\n").unwrap();
            let first = format!("{headers}\r\n\r\n{:x}\r\n{preamble}\r\n", preamble.len());
            raw_status(port, first.as_bytes(), &chunks)
        }
    })
    .await
    .unwrap();
    assert!(status.contains(" 413 "), "{status}");
    // An ordinary client gets the API's error shape.
    let (status, refused) = upload(&app, &ws.token, None, "big.bin", vec![1u8; 70_000]).await;
    assert_eq!(status, 413);
    assert_eq!(refused["error"]["code"], "too_large", "{refused}");
    let (status, _) = upload(&app, &ws.token, None, "small.bin", vec![1u8; 60_000]).await;
    assert_eq!(status, 201);
}

#[actix_web::test]
async fn an_upload_is_its_uploaders_alone() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let ws = app.first_workspace().await;
    let other = app.other_workspace("owner@other.test").await;
    let key = ws.site.site_key.to_string();
    let (mut ada, ada_token) = visitor(&app, &ws).await;
    let (mut bob, _) = visitor(&app, &ws).await;
    let (status, file) = upload(&app, &ada_token, Some(&key), "a.pdf", PDF.to_vec()).await;
    assert_eq!(status, 201);
    // Another visitor of the same site cannot send it.
    let refused = send_files(&mut bob, "look", json!([file["id"]])).await;
    assert_eq!(refused["code"], "not_found", "{refused}");
    let sent = send_files(&mut ada, "mine", json!([file["id"]])).await;
    assert_eq!(sent["type"], "sent", "{sent}");
    // Another workspace's agent: its own conversation, this upload: 404.
    let (mut stranger, _) = app.visitor(&other.site).await;
    let theirs = stranger.send_text(None, "hi").await;
    let theirs = theirs["message"]["conversation_id"].as_str().unwrap();
    let (status, body) = app
        .api(
            "POST",
            &format!("/conversations/{theirs}/messages"),
            Some(&other.token),
            Some(json!({"client_msg_id": uuid::Uuid::new_v4().to_string(),
                        "body": "", "attachments": [file["id"]]})),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    // A visitor token is no good on another site; no token is no good at all.
    let (status, _) = upload(
        &app,
        &ada_token,
        Some(&other.site.site_key.to_string()),
        "a.pdf",
        PDF.to_vec(),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = upload(&app, "nonsense", None, "a.pdf", PDF.to_vec()).await;
    assert_eq!(status, 401);
    // Eleven files are one too many; an empty body without files is still refused.
    let ids: Vec<String> = (0..11).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let refused = send_files(&mut ada, "", json!(ids)).await;
    assert_eq!(refused["code"], "bad_request", "{refused}");
    let refused = ada
        .call(
            json!({"type": "send", "client_msg_id": uuid::Uuid::new_v4().to_string(), "body": " "}),
        )
        .await;
    assert_eq!(refused["code"], "bad_request", "{refused}");
    // A visitor uploads at most 20 files a minute.
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(
            upload(&app, &ada_token, Some(&key), "a.txt", b"x".to_vec())
                .await
                .0,
        );
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

on_every_store!(orphans_and_an_erased_visitors_files_leave_the_storage);

async fn orphans_and_an_erased_visitors_files_leave_the_storage(backend: Backend, files: Files) {
    let store = FileStore::start(files, &[("PARLEY_UPLOAD_TTL_S", "2")]).await;
    let app = store.app(backend).await;
    let ws = app.first_workspace().await;
    let key = ws.site.site_key.to_string();
    let (mut visitor, token) = visitor(&app, &ws).await;
    let (status, orphan) =
        upload(&app, &token, Some(&key), "left.txt", b"never sent".to_vec()).await;
    assert_eq!(status, 201, "{orphan}");
    let (status, kept) = upload(&app, &token, Some(&key), "kept.txt", b"sent".to_vec()).await;
    assert_eq!(status, 201);
    let sent = send_files(&mut visitor, "here", json!([kept["id"]])).await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let visitor_id = sent["message"]["author"]["id"].as_str().unwrap().to_owned();
    let where_is =
        |file: &Value| format!("{}/{}", ws.admin.workspace_id, file["id"].as_str().unwrap());
    let (orphan, kept) = (where_is(&orphan), where_is(&kept));
    assert!(store.has(&app, &orphan).await);
    assert!(store.has(&app, &kept).await);
    // The orphan goes after its time; the sent one stays.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while store.has(&app, &orphan).await {
        assert!(tokio::time::Instant::now() < deadline, "the orphan stays");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(store.has(&app, &kept).await, "a sent file stays");
    // Erasing the visitor takes its files.
    let (status, _) = app
        .api(
            "DELETE",
            &format!("/visitors/{visitor_id}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while store.has(&app, &kept).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the erased visitor's file stays"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    if files == Files::Local {
        assert!(
            store.files_on_disk().is_empty(),
            "{:?}",
            store.files_on_disk()
        );
    }
    let (status, _) = app
        .api(
            "GET",
            &format!("/visitors/{visitor_id}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn webhooks_carry_working_links_to_a_messages_files() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_WEBHOOK_ALLOW_PRIVATE", "true")]).await;
    let ws = app.first_workspace().await;
    let receiver = crate::receiver::Receiver::start().await;
    crate::webhooks::hook(&app, &ws.token, &receiver.url, &["message.created"]).await;
    let (mut visitor, token) = visitor(&app, &ws).await;
    let key = ws.site.site_key.to_string();
    let (status, file) = upload(&app, &token, Some(&key), "notes.pdf", PDF.to_vec()).await;
    assert_eq!(status, 201);
    let sent = send_files(&mut visitor, "see attached", json!([file["id"]])).await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    let files = &got[0].json["data"]["attachments"];
    assert_eq!(files[0]["name"], "notes.pdf", "{}", got[0].json);
    let bytes = download(files[0]["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), PDF);
}

mod canned {
    use crate::helpers::Backend;
    #[actix_web::test]
    async fn postgres() {
        super::a_canned_responses_file_goes_out_as_a_copy_and_outlives_the_conversation(
            Backend::Postgres,
        )
        .await
    }
    #[actix_web::test]
    async fn sqlite() {
        super::a_canned_responses_file_goes_out_as_a_copy_and_outlives_the_conversation(
            Backend::Sqlite,
        )
        .await
    }
}

async fn a_canned_responses_file_goes_out_as_a_copy_and_outlives_the_conversation(
    backend: Backend,
) {
    let app = spawn_app_with(backend, &[("PARLEY_UPLOAD_TTL_S", "1")]).await;
    let ws = app.first_workspace().await;
    let (status, pdf) = upload(&app, &ws.token, None, "prices.pdf", PDF.to_vec()).await;
    assert_eq!(status, 201);
    let (status, canned) = app
        .api(
            "POST",
            "/canned",
            Some(&ws.token),
            Some(
                json!({"shortcut": "prices", "title": "Prices", "body": "Our prices:",
                        "attachments": [pdf["id"]]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{canned}");
    assert_eq!(canned["attachments"][0]["id"], pdf["id"]);
    let canned_url = canned["attachments"][0]["url"].as_str().unwrap().to_owned();
    // Another agent sends it.
    let (status, _) = app
        .api(
            "POST",
            "/agents",
            Some(&ws.token),
            Some(json!({"email": "kim@acme.test", "name": "Kim", "password": "kim's password 1"})),
        )
        .await;
    assert_eq!(status, 201);
    let kim = app.login("kim@acme.test", "kim's password 1").await;
    let (mut visitor, _) = visitor(&app, &ws).await;
    let sent = visitor.send_text(None, "how much?").await;
    let conversation = sent["message"]["conversation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let visitor_id = sent["message"]["author"]["id"].as_str().unwrap().to_owned();
    let (status, message) = app
        .api(
            "POST",
            &format!("/conversations/{conversation}/messages"),
            Some(&kim),
            Some(json!({"client_msg_id": uuid::Uuid::new_v4().to_string(),
                        "body": "Our prices:", "attachments": [pdf["id"]]})),
        )
        .await;
    assert_eq!(status, 201, "{message}");
    let sent_file = &message["attachments"][0];
    assert_ne!(sent_file["id"], pdf["id"], "the message has its own copy");
    assert_eq!(sent_file["name"], "prices.pdf");
    let got = download(sent_file["url"].as_str().unwrap()).await;
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);
    // Neither the orphan janitor nor erasing the conversation's visitor takes the canned file.
    let (status, _) = app
        .api(
            "DELETE",
            &format!("/visitors/{visitor_id}"),
            Some(&ws.token),
            None,
        )
        .await;
    assert_eq!(status, 204);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        download(sent_file["url"].as_str().unwrap()).await.status(),
        404
    );
    let kept = download(&canned_url).await;
    assert_eq!(kept.status(), 200);
    assert_eq!(kept.bytes().await.unwrap().as_ref(), PDF);
    // A visitor cannot send it.
    let (mut other, _) = self::visitor(&app, &ws).await;
    let refused = send_files(&mut other, "x", json!([pdf["id"]])).await;
    assert!(
        refused["type"] == "error" || refused["code"] == "not_found",
        "{refused}"
    );
    let (status, _) = app
        .api(
            "PATCH",
            &format!("/canned/{}", canned["id"].as_str().unwrap()),
            Some(&ws.token),
            Some(json!({"attachments": []})),
        )
        .await;
    assert_eq!(status, 200);
    // Taken off the response, the file is an orphan: gone after its time.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(download(&canned_url).await.status(), 404);
}

/// A JPEG carrying an EXIF block with a GPS position (and the marker text `GPS-SECRET`).
fn jpeg_with_location() -> Vec<u8> {
    let mut plain = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(64, 48)
        .to_rgb8()
        .write_to(&mut plain, image::ImageFormat::Jpeg)
        .unwrap();
    let plain = plain.into_inner();
    let mut exif = b"Exif\0\0II\x2a\0\x08\0\0\0".to_vec();
    exif.extend_from_slice(&1u16.to_le_bytes());
    exif.extend_from_slice(&[0x25, 0x88, 4, 0, 1, 0, 0, 0, 0x1a, 0, 0, 0]);
    exif.extend_from_slice(&0u32.to_le_bytes());
    exif.extend_from_slice(b"GPS-SECRET 48.8566N 2.3522E");
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&plain[2..]);
    out
}

#[actix_web::test]
async fn a_photos_location_is_not_served() {
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    let ws = app.first_workspace().await;
    let (mut visitor, token) = visitor(&app, &ws).await;
    let key = ws.site.site_key.to_string();
    let photo = jpeg_with_location();
    assert!(photo.windows(10).any(|w| w == b"GPS-SECRET"));
    let (status, file) = upload(&app, &token, Some(&key), "holiday.jpg", photo).await;
    assert_eq!(status, 201, "{file}");
    assert_eq!(file["content_type"], "image/jpeg");
    let sent = send_files(&mut visitor, "", json!([file["id"]])).await;
    let served = download(sent["message"]["attachments"][0]["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert!(
        !served.windows(3).any(|w| w == b"GPS"),
        "the location is gone"
    );
    let picture = image::load_from_memory(&served).unwrap();
    assert_eq!(
        (picture.width(), picture.height()),
        (64, 48),
        "the picture is whole"
    );
}

#[actix_web::test]
async fn a_visitor_holds_at_most_twenty_unsent_files() {
    let app = spawn_app_with(Backend::Sqlite, &[("PARLEY_UPLOADS_PER_MIN", "100")]).await;
    let ws = app.first_workspace().await;
    let key = ws.site.site_key.to_string();
    let (mut visitor, token) = visitor(&app, &ws).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let (status, file) =
            upload(&app, &token, Some(&key), &format!("{i}.txt"), b"x".to_vec()).await;
        assert_eq!(status, 201, "{file}");
        ids.push(file["id"].clone());
    }
    let (status, _) = upload(&app, &token, Some(&key), "21.txt", b"x".to_vec()).await;
    assert_eq!(status, 429, "a 21st unsent file");
    let sent = send_files(&mut visitor, "", json!(&ids[..2])).await;
    assert_eq!(sent["type"], "sent", "{sent}");
    let (status, _) = upload(&app, &token, Some(&key), "21.txt", b"x".to_vec()).await;
    assert_eq!(status, 201, "room again once two are sent");
}
