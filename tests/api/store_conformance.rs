//! The storage interface's conformance suite: the same tests, unchanged, on both backends.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::future::join_all;
use parley::bootstrap;
use parley::chat::creations::Creations;
use parley::domain::{
    AgentId, Author, AuthorKind, Body, ClientMsgId, Conversation, ConversationId,
    ConversationStatus, Email, MessageId, MessageKind, ReadMark, ReaderKind, Timestamp, Visitor,
    VisitorId, VisitorPage, WorkspaceId,
};
use parley::store::{
    AppendError, Appended, Audience, ConversationChange, CreatedWorkspace, DynStore, StoreError,
};

use crate::helpers::{Backend, TestDb};
use crate::on_both_backends;

on_both_backends!(
    settings_keep_their_first_value,
    a_workspace_is_created_with_its_admin_and_site,
    an_agent_email_is_unique_within_its_workspace_only,
    of_nodes_starting_at_once_on_an_empty_database_one_makes_the_first_workspace,
    visitors_and_their_pages_round_trip,
    a_visitor_has_one_open_conversation_per_site,
    visitors_and_conversations_are_created_in_batches,
    a_refused_row_fails_alone_in_a_creation_batch,
    appended_messages_get_gapless_seqs_in_batch_order,
    client_msg_id_stores_a_message_once_per_author,
    an_unknown_conversation_fails_only_its_own_message,
    nobody_writes_into_another_workspaces_or_visitors_conversation,
    a_visitor_message_reopens_a_resolved_conversation,
    a_visitor_with_another_open_conversation_cannot_reopen,
    a_batch_mixing_open_resolved_and_retried_messages_keeps_each_outcome_in_order,
    notes_are_never_returned_to_visitors,
    history_pages_backwards_and_sync_forwards,
    read_marks_never_go_down,
    another_workspaces_id_reads_and_marks_nothing,
    the_inbox_is_scoped_and_sorted_by_activity,
    concurrent_appends_into_one_conversation_stay_gapless,
    conversation_updates_are_scoped_to_the_workspace,
    old_webhook_history_is_forgotten_but_never_a_pending_event,
    a_claim_leaves_out_the_webhooks_it_is_told_to_skip,
    small_and_large_batches_queue_events_reply_emails_and_claim_uploads_alike,
    a_switched_off_webhooks_events_wait_until_it_is_switched_on,
);

async fn workspace(store: &DynStore, email: &str) -> CreatedWorkspace {
    bootstrap::create_workspace(
        &**store,
        "Acme",
        Email::parse(email).unwrap(),
        "password123".into(),
        "Shop",
    )
    .await
    .unwrap()
}

/// A visitor of `ws`'s site, not stored yet.
fn new_visitor(ws: &CreatedWorkspace) -> Visitor {
    let now = Timestamp::now();
    Visitor {
        id: VisitorId::new(),
        workspace_id: ws.workspace.id,
        site_id: ws.site.id,
        external_id: None,
        name: Some("Ada".into()),
        email: None,
        user_agent: Some("test".into()),
        created_at: now,
        last_seen_at: now,
        name_signed: false,
        email_signed: false,
        last_ip: None,
        attributes: Default::default(),
    }
}

async fn visitor(store: &DynStore, ws: &CreatedWorkspace) -> Visitor {
    let visitor = new_visitor(ws);
    store.insert_visitor(&visitor).await.unwrap();
    visitor
}

/// A new open conversation for `v`, not stored yet.
fn draft(ws: &CreatedWorkspace, v: &Visitor) -> Conversation {
    let now = Timestamp::now();
    Conversation {
        id: ConversationId::new(),
        workspace_id: ws.workspace.id,
        site_id: ws.site.id,
        visitor_id: v.id,
        status: ConversationStatus::Open,
        assignee_id: None,
        last_seq: 0,
        created_at: now,
        updated_at: now,
        last_activity_at: now,
        team_id: None,
        rating: None,
        labels: Default::default(),
        priority: Default::default(),
        snoozed_until: None,
    }
}

async fn conversation(store: &DynStore, ws: &CreatedWorkspace, v: &Visitor) -> Conversation {
    store
        .open_or_create_conversation(&draft(ws, v))
        .await
        .unwrap()
        .0
}

fn visitor_author(v: &Visitor) -> Author {
    Author {
        kind: AuthorKind::Visitor,
        id: Some(v.id.0),
        name: v.name.clone(),
    }
}

fn agent_author(ws: &CreatedWorkspace) -> Author {
    Author {
        kind: AuthorKind::Agent,
        id: Some(ws.admin.id.0),
        name: Some(ws.admin.name.clone()),
    }
}

fn new_message(
    workspace: WorkspaceId,
    conversation: ConversationId,
    author: Author,
    kind: MessageKind,
    body: &str,
    client: Option<ClientMsgId>,
) -> parley::domain::NewMessage {
    parley::domain::NewMessage {
        id: MessageId::new(),
        workspace_id: workspace,
        conversation_id: conversation,
        client_msg_id: client,
        author,
        kind,
        body: Body::parse(body.into(), 4000).unwrap(),
        created_at: Timestamp::now(),
        attachments: Default::default(),
    }
}

async fn settings_keep_their_first_value(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    assert_eq!(
        store.setting_or_insert("k", "first").await.unwrap(),
        "first"
    );
    assert_eq!(
        store.setting_or_insert("k", "second").await.unwrap(),
        "first"
    );
}

async fn a_workspace_is_created_with_its_admin_and_site(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    assert_eq!(store.workspace_count().await.unwrap(), 0);
    let ws = workspace(&store, "Boss@Acme.test").await;
    let other = workspace(&store, "boss@other.test").await;
    assert_eq!(store.workspace_count().await.unwrap(), 2);

    let by_key = store.site_by_key(&ws.site.site_key).await.unwrap().unwrap();
    assert_eq!(by_key, ws.site);
    assert_eq!(by_key.allowed_origins.0, Vec::<String>::new());
    assert_eq!(by_key.settings.0["title"], "Chat with us");
    let admin = store
        .agents_by_email(&Email::parse("boss@acme.test").unwrap(), None)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(admin, ws.admin);
    assert_eq!(admin.role, parley::domain::AgentRole::Admin);
    assert!(admin.active);
    assert!(admin.password_hash.starts_with("$argon2id$"));

    assert_eq!(
        store.site(ws.workspace.id, ws.site.id).await.unwrap(),
        Some(ws.site.clone())
    );
    assert_eq!(
        store.agent(ws.workspace.id, ws.admin.id).await.unwrap(),
        Some(ws.admin.clone())
    );
    // Another workspace's id finds nothing.
    assert_eq!(
        store.site(other.workspace.id, ws.site.id).await.unwrap(),
        None
    );
    assert_eq!(
        store.agent(other.workspace.id, ws.admin.id).await.unwrap(),
        None
    );
}

async fn an_agent_email_is_unique_within_its_workspace_only(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let first = workspace(&store, "boss@acme.test").await;
    // Another business may have the same person: nothing tells it about the first.
    let second = bootstrap::create_workspace(
        &*store,
        "Other",
        Email::parse("BOSS@acme.test").unwrap(),
        "password123".into(),
        "Site",
    )
    .await
    .unwrap();
    assert_eq!(second.admin.email, first.admin.email);
    let email = Email::parse("boss@acme.test").unwrap();
    let both = store.agents_by_email(&email, None).await.unwrap();
    assert_eq!(
        both.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![first.admin.id, second.admin.id],
        "oldest first"
    );
    let only = store
        .agents_by_email(&email, Some(second.workspace.id))
        .await
        .unwrap();
    assert_eq!(only, vec![second.admin.clone()]);
    // Within one workspace the email stays unique.
    let again = store
        .create_agent(
            first.workspace.id,
            &parley::store::admin::NewAgent {
                email: email.clone(),
                name: "Twin".into(),
                password_hash: first.admin.password_hash.clone(),
                role: parley::domain::AgentRole::Agent,
            },
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

async fn of_nodes_starting_at_once_on_an_empty_database_one_makes_the_first_workspace(
    backend: Backend,
) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let email = Email::parse("boss@acme.test").unwrap();
    let starts = (0..4).map(|_| bootstrap::first_start(&*store, &email, Some("password123")));
    let made = join_all(starts)
        .await
        .into_iter()
        .map(|result| result.unwrap())
        .filter(Option::is_some)
        .count();
    assert_eq!(made, 1);
    assert_eq!(store.workspace_count().await.unwrap(), 1);
}

async fn visitors_and_their_pages_round_trip(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let other = workspace(&store, "b@other.test").await;
    let v = visitor(&store, &ws).await;
    assert_eq!(
        store.visitor(ws.workspace.id, v.id).await.unwrap(),
        Some(v.clone())
    );
    assert_eq!(store.visitor(other.workspace.id, v.id).await.unwrap(), None);

    for (i, url) in ["https://shop.test/", "https://shop.test/cart"]
        .iter()
        .enumerate()
    {
        let page = VisitorPage {
            url: (*url).into(),
            title: format!("Page {i} <b>"),
            referrer: None,
            seen_at: Timestamp::from_micros(1_700_000_000_000_000 + i as i64).unwrap(),
        };
        store
            .record_pages(ws.workspace.id, v.id, std::slice::from_ref(&page))
            .await
            .unwrap();
        // Another workspace's id records nothing for this visitor.
        store
            .record_pages(other.workspace.id, v.id, std::slice::from_ref(&page))
            .await
            .unwrap();
    }
    let pages = store.pages(ws.workspace.id, v.id, 10).await.unwrap();
    assert_eq!(
        pages.iter().map(|p| p.url.as_str()).collect::<Vec<_>>(),
        ["https://shop.test/cart", "https://shop.test/"]
    );
    assert!(store
        .pages(other.workspace.id, v.id, 10)
        .await
        .unwrap()
        .is_empty());
    // Only the latest pages are kept.
    let kept = parley::store::catalog::PAGES_KEPT;
    for i in 0..kept + 5 {
        let page = VisitorPage {
            url: format!("https://shop.test/p{i}"),
            title: String::new(),
            referrer: None,
            seen_at: Timestamp::from_micros(1_800_000_000_000_000 + i).unwrap(),
        };
        store
            .record_pages(ws.workspace.id, v.id, std::slice::from_ref(&page))
            .await
            .unwrap();
    }
    let all = store.pages(ws.workspace.id, v.id, 1000).await.unwrap();
    assert_eq!(all.len() as i64, kept);
    assert_eq!(all[0].url, format!("https://shop.test/p{}", kept + 4));
    assert_eq!(pages[0].title, "Page 1 <b>");
    // A reload (the latest page again) is not repeated; going back to an older one is.
    let at = |url: &str, micros: i64| VisitorPage {
        url: url.into(),
        title: String::new(),
        referrer: None,
        seen_at: Timestamp::from_micros(1_900_000_000_000_000 + micros).unwrap(),
    };
    store
        .record_pages(
            ws.workspace.id,
            v.id,
            &[
                at("https://shop.test/a", 1),
                at("https://shop.test/a", 2),
                at("https://shop.test/b", 3),
            ],
        )
        .await
        .unwrap();
    store
        .record_pages(
            ws.workspace.id,
            v.id,
            &[at("https://shop.test/b", 4), at("https://shop.test/a", 5)],
        )
        .await
        .unwrap();
    let latest = store.pages(ws.workspace.id, v.id, 3).await.unwrap();
    assert_eq!(
        latest.iter().map(|p| p.url.as_str()).collect::<Vec<_>>(),
        [
            "https://shop.test/a",
            "https://shop.test/b",
            "https://shop.test/a"
        ]
    );
}

async fn a_visitor_has_one_open_conversation_per_site(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    assert_eq!(
        store.open_conversation(ws.site.id, v.id).await.unwrap(),
        None
    );
    let first = conversation(&store, &ws, &v).await;
    let second = conversation(&store, &ws, &v).await;
    assert_eq!(
        first.id, second.id,
        "the open one is returned, not a second one"
    );
    assert_eq!(
        store
            .open_conversation(ws.site.id, v.id)
            .await
            .unwrap()
            .map(|c| c.id),
        Some(first.id)
    );
    assert_eq!(first.last_seq, 0);
}

async fn visitors_and_conversations_are_created_in_batches(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let visitors: Vec<Visitor> = (0..3).map(|_| new_visitor(&ws)).collect();
    store.insert_visitors(&visitors).await.unwrap();
    for v in &visitors {
        let stored = store.visitor(ws.workspace.id, v.id).await.unwrap();
        assert_eq!(stored.as_ref(), Some(v));
    }

    // All or nothing: one row taken already refuses the whole batch.
    let fresh = new_visitor(&ws);
    let refused = store
        .insert_visitors(&[fresh.clone(), visitors[0].clone()])
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(
        store.visitor(ws.workspace.id, fresh.id).await.unwrap(),
        None
    );

    // visitors[0] has an open conversation; visitors[1] asks twice in one batch (two tabs).
    let open = conversation(&store, &ws, &visitors[0]).await;
    let drafts = [
        draft(&ws, &visitors[0]),
        draft(&ws, &visitors[1]),
        draft(&ws, &visitors[1]),
        draft(&ws, &visitors[2]),
    ];
    let results = store.open_or_create_conversations(&drafts).await.unwrap();
    let summary: Vec<(ConversationId, bool)> =
        results.iter().map(|(c, new)| (c.id, *new)).collect();
    assert_eq!(
        summary,
        vec![
            (open.id, false),
            (drafts[1].id, true),
            (drafts[1].id, false),
            (drafts[3].id, true),
        ]
    );
    for (conversation, _) in &results {
        assert_eq!(conversation.status, ConversationStatus::Open);
        assert_eq!(conversation.last_seq, 0);
        assert_eq!(
            store
                .open_conversation(ws.site.id, conversation.visitor_id)
                .await
                .unwrap()
                .map(|c| c.id),
            Some(conversation.id)
        );
    }
}

async fn a_refused_row_fails_alone_in_a_creation_batch(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let taken = visitor(&store, &ws).await;
    let creations = Creations::start(store.clone(), 1);
    let mut batch: Vec<Visitor> = (0..20).map(|_| new_visitor(&ws)).collect();
    batch.insert(7, taken.clone());
    // Submitted together, so that they are written as batches.
    let results = join_all(batch.iter().map(|v| creations.insert_visitor(v))).await;
    for (v, result) in batch.iter().zip(&results) {
        if v.id == taken.id {
            assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
        } else {
            assert!(result.is_ok(), "{result:?}");
            assert!(store
                .visitor(ws.workspace.id, v.id)
                .await
                .unwrap()
                .is_some());
        }
    }

    let drafts: Vec<Conversation> = batch.iter().map(|v| draft(&ws, v)).collect();
    let results = join_all(
        drafts
            .iter()
            .map(|d| creations.open_or_create_conversation(d)),
    )
    .await;
    for (d, result) in drafts.iter().zip(results) {
        let (conversation, created) = result.unwrap();
        assert!(created);
        assert_eq!(conversation.id, d.id);
    }
}

async fn appended_messages_get_gapless_seqs_in_batch_order(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let (v1, v2) = (visitor(&store, &ws).await, visitor(&store, &ws).await);
    let (c1, c2) = (
        conversation(&store, &ws, &v1).await,
        conversation(&store, &ws, &v2).await,
    );
    let batch: Vec<_> = (0..6)
        .map(|i| {
            let (c, v) = if i % 2 == 0 { (&c1, &v1) } else { (&c2, &v2) };
            new_message(
                ws.workspace.id,
                c.id,
                visitor_author(v),
                MessageKind::Text,
                &format!("m{i}"),
                Some(ClientMsgId::new()),
            )
        })
        .collect();
    let results = store.append_messages(&batch).await.unwrap();
    let seqs: Vec<(ConversationId, i64)> = results
        .iter()
        .map(|r| r.as_ref().unwrap())
        .map(|a| (a.message.conversation_id, a.message.seq))
        .collect();
    assert_eq!(
        seqs,
        [
            (c1.id, 1),
            (c2.id, 1),
            (c1.id, 2),
            (c2.id, 2),
            (c1.id, 3),
            (c2.id, 3)
        ]
    );
    let next = store
        .append_messages(&[new_message(
            ws.workspace.id,
            c1.id,
            agent_author(&ws),
            MessageKind::Text,
            "reply",
            None,
        )])
        .await
        .unwrap();
    assert_eq!(next[0].as_ref().unwrap().message.seq, 4);

    let stored = store
        .messages_after(c1.workspace_id, c1.id, 0, 100, Audience::Agent)
        .await
        .unwrap();
    assert_eq!(
        stored.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(
        stored[0],
        results[0].as_ref().unwrap().message,
        "what is returned is what is stored"
    );
    assert_eq!(stored[3].author.kind, AuthorKind::Agent);
    let conv = store
        .conversation(ws.workspace.id, c1.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conv.last_seq, 4);
    assert!(conv.last_activity_at >= c1.last_activity_at);
}

async fn client_msg_id_stores_a_message_once_per_author(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let key = ClientMsgId::new();
    let first = new_message(
        ws.workspace.id,
        c.id,
        visitor_author(&v),
        MessageKind::Text,
        "hello",
        Some(key),
    );
    let resend = new_message(
        ws.workspace.id,
        c.id,
        visitor_author(&v),
        MessageKind::Text,
        "hello again",
        Some(key),
    );
    // Twice within one batch, then again in a later batch.
    let results = store
        .append_messages(&[first.clone(), resend.clone()])
        .await
        .unwrap();
    let (a, b) = (results[0].as_ref().unwrap(), results[1].as_ref().unwrap());
    assert!(!a.replayed() && b.replayed());
    assert_eq!(a.message, b.message);
    let later = store.append_messages(&[resend]).await.unwrap();
    let later = later[0].as_ref().unwrap();
    assert!(later.replayed());
    assert_eq!(later.message.id, first.id);
    assert_eq!(later.message.body.as_str(), "hello");
    // The same key from another author is another message.
    let agent_same_key = new_message(
        ws.workspace.id,
        c.id,
        agent_author(&ws),
        MessageKind::Text,
        "hi",
        Some(key),
    );
    let other = store.append_messages(&[agent_same_key]).await.unwrap();
    let other = other[0].as_ref().unwrap();
    assert!(!other.replayed());
    assert_eq!(other.message.seq, 2);
    assert_eq!(
        store
            .messages_after(c.workspace_id, c.id, 0, 100, Audience::Agent)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn an_unknown_conversation_fails_only_its_own_message(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let results = store
        .append_messages(&[
            new_message(
                ws.workspace.id,
                ConversationId::new(),
                visitor_author(&v),
                MessageKind::Text,
                "lost",
                None,
            ),
            new_message(
                ws.workspace.id,
                c.id,
                visitor_author(&v),
                MessageKind::Text,
                "kept",
                None,
            ),
        ])
        .await
        .unwrap();
    assert_eq!(results[0], Err(AppendError::ConversationNotFound));
    assert_eq!(results[1].as_ref().unwrap().message.seq, 1);
}

async fn a_visitor_message_reopens_a_resolved_conversation(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let resolve = ConversationChange {
        status: Some(ConversationStatus::Resolved),
        ..Default::default()
    };
    store
        .update_conversation(ws.workspace.id, c.id, &resolve)
        .await
        .unwrap()
        .unwrap();
    // An agent's follow-up leaves it resolved.
    let agent = store
        .append_messages(&[new_message(
            ws.workspace.id,
            c.id,
            agent_author(&ws),
            MessageKind::Text,
            "follow-up",
            None,
        )])
        .await
        .unwrap();
    assert!(!agent[0].as_ref().unwrap().reopened());
    assert_eq!(
        store.open_conversation(ws.site.id, v.id).await.unwrap(),
        None
    );
    // The visitor's answer reopens it.
    let visitor_msg = store
        .append_messages(&[new_message(
            ws.workspace.id,
            c.id,
            visitor_author(&v),
            MessageKind::Text,
            "still there?",
            None,
        )])
        .await
        .unwrap();
    assert!(visitor_msg[0].as_ref().unwrap().reopened());
    let reopened = store
        .open_conversation(ws.site.id, v.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (reopened.id, reopened.status, reopened.last_seq),
        (c.id, ConversationStatus::Open, 2)
    );
}

async fn a_visitor_with_another_open_conversation_cannot_reopen(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let old = conversation(&store, &ws, &v).await;
    let resolve = ConversationChange {
        status: Some(ConversationStatus::Resolved),
        ..Default::default()
    };
    store
        .update_conversation(ws.workspace.id, old.id, &resolve)
        .await
        .unwrap();
    let current = conversation(&store, &ws, &v).await;
    assert_ne!(current.id, old.id);
    let results = store
        .append_messages(&[new_message(
            ws.workspace.id,
            old.id,
            visitor_author(&v),
            MessageKind::Text,
            "x",
            None,
        )])
        .await
        .unwrap();
    assert_eq!(results[0], Err(AppendError::AnotherConversationOpen));
}

/// On Postgres a batch's messages into open conversations are written by one statement and
/// the rest (here: a resolved conversation the visitor reopens, an intruder, a retry) by the
/// locking transaction; on both backends each message keeps its outcome and its place, and
/// every conversation its gapless seqs.
async fn a_batch_mixing_open_resolved_and_retried_messages_keeps_each_outcome_in_order(
    backend: Backend,
) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let (v1, v2, intruder) = (
        visitor(&store, &ws).await,
        visitor(&store, &ws).await,
        visitor(&store, &ws).await,
    );
    let (open, resolved) = (
        conversation(&store, &ws, &v1).await,
        conversation(&store, &ws, &v2).await,
    );
    let resolve = ConversationChange {
        status: Some(ConversationStatus::Resolved),
        ..Default::default()
    };
    store
        .update_conversation(ws.workspace.id, resolved.id, &resolve)
        .await
        .unwrap()
        .unwrap();
    let say = |c: &Conversation, author: Author, body: &str| {
        new_message(
            ws.workspace.id,
            c.id,
            author,
            MessageKind::Text,
            body,
            Some(ClientMsgId::new()),
        )
    };
    let batch = vec![
        say(&open, visitor_author(&v1), "one"),
        say(&resolved, visitor_author(&v2), "back again"),
        say(&open, agent_author(&ws), "two"),
        say(&resolved, visitor_author(&intruder), "let me in"),
        say(&open, visitor_author(&v1), "three"),
    ];
    let results = store.append_messages(&batch).await.unwrap();
    let outcome = |i: usize| {
        let appended: &Appended = results[i].as_ref().unwrap();
        (
            appended.message.conversation_id,
            appended.message.seq,
            appended.message.body.as_str().to_owned(),
            appended.reopened(),
        )
    };
    assert_eq!(outcome(0), (open.id, 1, "one".into(), false));
    assert_eq!(outcome(1), (resolved.id, 1, "back again".into(), true));
    assert_eq!(outcome(2), (open.id, 2, "two".into(), false));
    assert_eq!(results[3], Err(AppendError::ConversationNotFound));
    assert_eq!(outcome(4), (open.id, 3, "three".into(), false));
    let reopened = store
        .conversation(ws.workspace.id, resolved.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (reopened.status, reopened.last_seq),
        (ConversationStatus::Open, 1)
    );
    // Alone in its batch, a visitor writing into another visitor's open conversation.
    let intruding = store
        .append_messages(&[say(&open, visitor_author(&intruder), "me too")])
        .await
        .unwrap();
    assert_eq!(intruding[0], Err(AppendError::ConversationNotFound));

    // The whole batch again (every sender retrying), with one new message in the middle: the
    // retries are answered with what was stored, the new one comes after them.
    let mut again = batch.clone();
    again.insert(3, say(&open, visitor_author(&v1), "four"));
    let results = store.append_messages(&again).await.unwrap();
    // (position in `again`, position in `batch`)
    for (at, first) in [(0, 0), (1, 1), (2, 2), (5, 4)] {
        let appended = results[at].as_ref().unwrap();
        assert!(appended.replayed(), "{at}: {appended:?}");
        assert_eq!(appended.message.id, batch[first].id);
    }
    assert_eq!(results[4], Err(AppendError::ConversationNotFound));
    let four = results[3].as_ref().unwrap();
    assert!(!four.replayed());
    assert_eq!(
        (four.message.conversation_id, four.message.seq),
        (open.id, 4)
    );
    let stored = store
        .messages_after(ws.workspace.id, open.id, 0, 100, Audience::Agent)
        .await
        .unwrap();
    assert_eq!(
        stored
            .iter()
            .map(|m| (m.seq, m.body.as_str()))
            .collect::<Vec<_>>(),
        [(1, "one"), (2, "two"), (3, "three"), (4, "four")]
    );
}

async fn notes_are_never_returned_to_visitors(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    store
        .append_messages(&[
            new_message(
                ws.workspace.id,
                c.id,
                visitor_author(&v),
                MessageKind::Text,
                "q",
                None,
            ),
            new_message(
                ws.workspace.id,
                c.id,
                agent_author(&ws),
                MessageKind::Note,
                "internal: VIP",
                None,
            ),
            new_message(
                ws.workspace.id,
                c.id,
                agent_author(&ws),
                MessageKind::Text,
                "a",
                None,
            ),
        ])
        .await
        .unwrap();
    let for_visitor = store
        .messages_after(c.workspace_id, c.id, 0, 100, Audience::Visitor)
        .await
        .unwrap();
    assert_eq!(
        for_visitor.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 3],
        "a gap where the note is"
    );
    let history = store
        .messages_before(c.workspace_id, c.id, None, 100, Audience::Visitor)
        .await
        .unwrap();
    assert!(history.iter().all(|m| m.kind != MessageKind::Note));
    let for_agent = store
        .messages_after(c.workspace_id, c.id, 0, 100, Audience::Agent)
        .await
        .unwrap();
    assert_eq!(for_agent[1].kind, MessageKind::Note);
}

async fn history_pages_backwards_and_sync_forwards(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let batch: Vec<_> = (1..=10)
        .map(|i| {
            new_message(
                ws.workspace.id,
                c.id,
                visitor_author(&v),
                MessageKind::Text,
                &format!("{i}"),
                None,
            )
        })
        .collect();
    store.append_messages(&batch).await.unwrap();
    let seqs = |ms: Vec<parley::domain::Message>| ms.into_iter().map(|m| m.seq).collect::<Vec<_>>();
    assert_eq!(
        seqs(
            store
                .messages_before(c.workspace_id, c.id, None, 3, Audience::Agent)
                .await
                .unwrap()
        ),
        [8, 9, 10]
    );
    assert_eq!(
        seqs(
            store
                .messages_before(c.workspace_id, c.id, Some(8), 3, Audience::Agent)
                .await
                .unwrap()
        ),
        [5, 6, 7]
    );
    assert_eq!(
        seqs(
            store
                .messages_before(c.workspace_id, c.id, Some(2), 3, Audience::Agent)
                .await
                .unwrap()
        ),
        [1]
    );
    assert_eq!(
        seqs(
            store
                .messages_after(c.workspace_id, c.id, 7, 100, Audience::Agent)
                .await
                .unwrap()
        ),
        [8, 9, 10]
    );
    assert_eq!(
        seqs(
            store
                .messages_after(c.workspace_id, c.id, 0, 2, Audience::Agent)
                .await
                .unwrap()
        ),
        [1, 2]
    );
    assert!(store
        .messages_after(c.workspace_id, c.id, 10, 100, Audience::Agent)
        .await
        .unwrap()
        .is_empty());
}

async fn read_marks_never_go_down(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let batch: Vec<_> = (1..=10)
        .map(|i| {
            new_message(
                ws.workspace.id,
                c.id,
                visitor_author(&v),
                MessageKind::Text,
                &format!("{i}"),
                None,
            )
        })
        .collect();
    store.append_messages(&batch).await.unwrap();
    let mark = |seq| ReadMark {
        conversation_id: c.id,
        reader_kind: ReaderKind::Agent,
        reader_id: ws.admin.id.0,
        seq,
    };
    let w = ws.workspace.id;
    assert_eq!(store.mark_read(w, &mark(5)).await.unwrap(), Some(5));
    assert_eq!(store.mark_read(w, &mark(3)).await.unwrap(), Some(5));
    assert_eq!(store.mark_read(w, &mark(9)).await.unwrap(), Some(9));
    assert_eq!(
        store.mark_read(w, &mark(50)).await.unwrap(),
        Some(10),
        "never past the last message"
    );
}

async fn another_workspaces_id_reads_and_marks_nothing(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let other = workspace(&store, "b@other.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let batch: Vec<_> = ["one", "two"]
        .iter()
        .map(|body| {
            new_message(
                ws.workspace.id,
                c.id,
                visitor_author(&v),
                MessageKind::Text,
                body,
                None,
            )
        })
        .collect();
    store.append_messages(&batch).await.unwrap();
    let (mine, theirs) = (ws.workspace.id, other.workspace.id);
    for audience in [Audience::Agent, Audience::Visitor] {
        assert_eq!(
            store
                .messages_after(mine, c.id, 0, 10, audience)
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(store
            .messages_after(theirs, c.id, 0, 10, audience)
            .await
            .unwrap()
            .is_empty());
        assert!(store
            .messages_before(theirs, c.id, None, 10, audience)
            .await
            .unwrap()
            .is_empty());
    }
    let mark = ReadMark {
        conversation_id: c.id,
        reader_kind: ReaderKind::Agent,
        reader_id: other.admin.id.0,
        seq: 2,
    };
    assert_eq!(store.mark_read(theirs, &mark).await.unwrap(), None);
    // Nothing was written: the owner's first mark for that reader starts from scratch.
    let first = ReadMark { seq: 1, ..mark };
    assert_eq!(store.mark_read(mine, &first).await.unwrap(), Some(1));
}

async fn the_inbox_is_scoped_and_sorted_by_activity(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let other = workspace(&store, "b@other.test").await;
    let (v1, v2) = (visitor(&store, &ws).await, visitor(&store, &ws).await);
    let c1 = conversation(&store, &ws, &v1).await;
    let c2 = conversation(&store, &ws, &v2).await;
    let foreign_visitor = visitor(&store, &other).await;
    conversation(&store, &other, &foreign_visitor).await;
    // c1 gets the newest message, so it comes first.
    store
        .append_messages(&[new_message(
            ws.workspace.id,
            c1.id,
            visitor_author(&v1),
            MessageKind::Text,
            "new",
            None,
        )])
        .await
        .unwrap();
    let inbox = store
        .open_conversations(ws.workspace.id, 100)
        .await
        .unwrap();
    assert_eq!(
        inbox.iter().map(|c| c.id).collect::<Vec<_>>(),
        [c1.id, c2.id]
    );
    assert_eq!(
        store
            .open_conversations(ws.workspace.id, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store.conversation(other.workspace.id, c1.id).await.unwrap(),
        None
    );
}

async fn concurrent_appends_into_one_conversation_stay_gapless(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            let author = if t % 2 == 0 {
                visitor_author(&v)
            } else {
                agent_author(&ws)
            };
            tokio::spawn(async move {
                for i in 0..5 {
                    let batch: Vec<_> = (0..3)
                        .map(|j| {
                            new_message(
                                ws.workspace.id,
                                c.id,
                                author.clone(),
                                MessageKind::Text,
                                &format!("{t}-{i}-{j}"),
                                Some(ClientMsgId::new()),
                            )
                        })
                        .collect();
                    // SQLite may report a busy database under contention: retry, as the writer
                    // does, a bounded number of times with a pause between tries.
                    let mut tries = 0;
                    loop {
                        match store.append_messages(&batch).await {
                            Ok(results) => {
                                assert!(results.iter().all(|r| r.is_ok()));
                                break;
                            }
                            Err(StoreError::Unavailable(_)) if tries < 50 => {
                                tries += 1;
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                            Err(other) => panic!("after {tries} retries: {other}"),
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let stored = store
        .messages_after(c.workspace_id, c.id, 0, 1000, Audience::Agent)
        .await
        .unwrap();
    assert_eq!(
        stored.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=120).collect::<Vec<_>>()
    );
    assert_eq!(
        stored.iter().map(|m| m.id).collect::<HashSet<_>>().len(),
        120
    );
}

async fn conversation_updates_are_scoped_to_the_workspace(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let other = workspace(&store, "b@other.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let assign = ConversationChange {
        assignee: Some(Some(ws.admin.id)),
        ..Default::default()
    };
    assert_eq!(
        store
            .update_conversation(other.workspace.id, c.id, &assign)
            .await
            .unwrap(),
        None
    );
    let updated = store
        .update_conversation(ws.workspace.id, c.id, &assign)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.assignee_id, Some(ws.admin.id));
    let unassign = ConversationChange {
        assignee: Some(None),
        ..Default::default()
    };
    let updated = store
        .update_conversation(ws.workspace.id, c.id, &unassign)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.assignee_id, None::<AgentId>);
    assert_eq!(updated.status, ConversationStatus::Open);
}

async fn nobody_writes_into_another_workspaces_or_visitors_conversation(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let other = workspace(&store, "b@other.test").await;
    let (v, intruder) = (visitor(&store, &ws).await, visitor(&store, &ws).await);
    let c = conversation(&store, &ws, &v).await;
    let results = store
        .append_messages(&[
            new_message(
                other.workspace.id,
                c.id,
                agent_author(&other),
                MessageKind::Text,
                "x",
                None,
            ),
            new_message(
                ws.workspace.id,
                c.id,
                visitor_author(&intruder),
                MessageKind::Text,
                "y",
                None,
            ),
        ])
        .await
        .unwrap();
    assert_eq!(
        results,
        [
            Err(AppendError::ConversationNotFound),
            Err(AppendError::ConversationNotFound)
        ]
    );
    assert!(store
        .messages_after(c.workspace_id, c.id, 0, 10, Audience::Agent)
        .await
        .unwrap()
        .is_empty());
}

/// A value Postgres refuses (a NUL byte in text, SQLSTATE 22021) is the row's fault: the batch
/// fails as invalid, so that the writer retries the others one by one, never as "unavailable",
/// which would fail every sender of the batch and have the poison retried forever.
#[actix_web::test]
async fn a_value_postgres_refuses_fails_its_batch_as_invalid_not_unavailable() {
    let db = TestDb::new(Backend::Postgres).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let good = |body: &str| {
        new_message(
            ws.workspace.id,
            c.id,
            visitor_author(&v),
            MessageKind::Text,
            body,
            Some(ClientMsgId::new()),
        )
    };
    let mut poison = good("placeholder");
    // Past the input policy on purpose: what if a value slipped through?
    poison.body = Body::system("poison\u{0}");
    let batch = vec![good("one"), poison, good("two")];
    match store.append_messages(&batch).await {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("expected Invalid, got {other:?}"),
    }
    // Alone, the good ones are stored.
    let results = store
        .append_messages(&[batch[0].clone(), batch[2].clone()])
        .await
        .unwrap();
    assert!(results.iter().all(|r| r.is_ok()));
}

/// SQLite cannot drop the old global unique rule on agent emails, so migration 0003 rebuilds
/// the agents table inside a transaction where foreign keys stay on: dropping the old table
/// nulls every assignee, which the migration keeps aside and puts back. An upgraded database
/// keeps its agents and who is assigned to what.
#[actix_web::test]
async fn upgrading_sqlite_to_per_workspace_emails_keeps_agents_and_assignees() {
    use sqlx::Executor as _;
    let db = TestDb::sqlite();
    // The database as it was before 0003.
    let before = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("migrations/sqlite").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "0003" {
            std::fs::copy(&path, before.path().join(&name)).unwrap();
        }
    }
    let options = db
        .url
        .parse::<sqlx::sqlite::SqliteConnectOptions>()
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(before.path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let (ws_id, agent, site, visitor, conversation) = (
        WorkspaceId::new(),
        AgentId::new(),
        parley::domain::SiteId::new(),
        VisitorId::new(),
        ConversationId::new(),
    );
    let hex = |id: uuid::Uuid| format!("x'{}'", id.simple());
    let statements = [
        format!("insert into workspaces (id, name, created_at) values ({}, 'Acme', 0)", hex(ws_id.0)),
        format!(
            "insert into agents (id, workspace_id, email, name, password_hash, role, created_at, updated_at, token_version) \
             values ({}, {}, 'bob@acme.test', 'Bob', 'hash', 'agent', 0, 0, 3)",
            hex(agent.0), hex(ws_id.0)
        ),
        format!(
            "insert into sites (id, workspace_id, name, site_key, identity_secret, created_at, updated_at) \
             values ({}, {}, 'Shop', 'pk_upgradeupgradeupgrade', 'secretsecretsecretsecret', 0, 0)",
            hex(site.0), hex(ws_id.0)
        ),
        format!(
            "insert into visitors (id, workspace_id, site_id, created_at, last_seen_at) values ({}, {}, {}, 0, 0)",
            hex(visitor.0), hex(ws_id.0), hex(site.0)
        ),
        format!(
            "insert into conversations (id, workspace_id, site_id, visitor_id, assignee_id, created_at, updated_at, last_activity_at) \
             values ({}, {}, {}, {}, {}, 0, 0, 0)",
            hex(conversation.0), hex(ws_id.0), hex(site.0), hex(visitor.0), hex(agent.0)
        ),
    ];
    for statement in statements {
        pool.execute(statement.as_str()).await.unwrap();
    }
    pool.close().await;

    let store = db.store().await;
    let upgraded = store
        .agents_by_email(&Email::parse("bob@acme.test").unwrap(), None)
        .await
        .unwrap();
    assert_eq!(upgraded.len(), 1);
    assert_eq!((upgraded[0].id, upgraded[0].token_version), (agent, 3));
    let kept = store
        .conversation(ws_id, conversation)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        kept.assignee_id,
        Some(agent),
        "the assignee survives the rebuild"
    );
    // The new rule holds: one email per workspace, any number of workspaces.
    let twin = parley::store::admin::NewAgent {
        email: Email::parse("bob@acme.test").unwrap(),
        name: "Twin".into(),
        password_hash: "hash".into(),
        role: parley::domain::AgentRole::Agent,
    };
    assert!(matches!(
        store.create_agent(ws_id, &twin).await,
        Err(StoreError::Conflict(_))
    ));
    let other = workspace(&store, "bob@acme.test").await;
    assert_eq!(other.admin.email.as_str(), "bob@acme.test");
}

/// Old webhook history is forgotten (delivered and failed events with their attempts); what is
/// still pending never is.
async fn old_webhook_history_is_forgotten_but_never_a_pending_event(backend: Backend) {
    use parley::store::webhooks::{AfterAttempt, AttemptRecord};
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let hook = webhook_with_pings(&store, ws.workspace.id, "https://hooks.example/x", 2).await;
    let now = Timestamp::now();
    let claimed = store
        .claim_due(now, now.plus(Duration::from_secs(60)), 10, &[])
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    // A second claim finds nothing: both are leased.
    assert!(store
        .claim_due(now, now.plus(Duration::from_secs(60)), 10, &[])
        .await
        .unwrap()
        .is_empty());
    let delivered = &claimed[0];
    store
        .record_attempt(&AttemptRecord {
            outbox_id: delivered.id,
            workspace_id: ws.workspace.id,
            webhook_id: hook.id,
            attempt: 1,
            status_code: Some(200),
            ok: true,
            error: None,
            response: Some("fine".into()),
            duration_ms: 3,
            at: now,
            after: AfterAttempt::Delivered,
            disable_if_failing_since: now.minus(Duration::from_secs(86_400)),
            disable_reason: String::new(),
        })
        .await
        .unwrap();
    let log = store
        .webhook_deliveries(ws.workspace.id, hook.id, None, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(log.len(), 1);
    // Forgetting what was made before a moment after both: the delivered one goes, with its
    // attempt; the pending one stays.
    let purged = store
        .purge_webhook_history(Timestamp::now().plus(Duration::from_secs(1)))
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let log = store
        .webhook_deliveries(ws.workspace.id, hook.id, None, 10)
        .await
        .unwrap()
        .unwrap();
    assert!(log.is_empty());
    assert_eq!(store.outbox_stats().await.unwrap().pending, 1);
}

/// A node leaves out of its claim the receivers that have enough waiting on it already.
async fn a_claim_leaves_out_the_webhooks_it_is_told_to_skip(backend: Backend) {
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let mut hooks = Vec::new();
    for name in ["a", "b", "c"] {
        let url = format!("https://hooks.example/{name}");
        hooks.push(
            webhook_with_pings(&store, ws.workspace.id, &url, 2)
                .await
                .id,
        );
    }
    let now = Timestamp::now();
    let lease = now.plus(Duration::from_secs(60));
    let claimed = store
        .claim_due(now, lease, 10, &[hooks[0], hooks[2]])
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    assert!(claimed.iter().all(|due| due.webhook_id == hooks[1]));
    let rest = store.claim_due(now, lease, 10, &[]).await.unwrap();
    assert_eq!(rest.len(), 4);
    assert!(rest.iter().all(|due| due.webhook_id != hooks[1]));
}

/// A batch's side effects are the same whichever way it is written (on Postgres a small batch
/// into open conversations is one statement, one over `DIRECT_BATCH_MAX` a transaction): a
/// `message.created` event per message for a subscribed webhook, one reply email per
/// conversation whose visitor left an address (from its first reply), and each carried upload
/// made its message's.
async fn small_and_large_batches_queue_events_reply_emails_and_claim_uploads_alike(
    backend: Backend,
) {
    use parley::domain::{Attachment, Attachments, UploadId};
    use parley::store::uploads::Upload;
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    webhook_with_pings(&store, ws.workspace.id, "https://hooks.example/x", 0).await;
    let mut conversations = Vec::new();
    for size in [3_usize, 40] {
        let v = visitor(&store, &ws).await;
        assert!(store
            .update_visitor_profile(ws.workspace.id, v.id, None, Some("ada@example.com"))
            .await
            .unwrap());
        let c = conversation(&store, &ws, &v).await;
        let upload = Upload {
            id: UploadId::new(),
            workspace_id: ws.workspace.id,
            visitor_id: None,
            agent_id: Some(ws.admin.id),
            name: "plan.pdf".into(),
            size: 10,
            content_type: "application/pdf".into(),
            storage_key: format!("test/{size}"),
            thumbnail_key: None,
            message_id: None,
            canned_id: None,
            created_at: Timestamp::now(),
        };
        store.insert_upload(&upload).await.unwrap();
        let mut batch: Vec<_> = (0..size)
            .map(|i| {
                let body = format!("reply {i}");
                new_message(
                    ws.workspace.id,
                    c.id,
                    agent_author(&ws),
                    MessageKind::Text,
                    &body,
                    None,
                )
            })
            .collect();
        batch[1].attachments = Attachments(vec![Attachment {
            id: upload.id,
            name: upload.name.clone(),
            size: upload.size,
            content_type: upload.content_type.clone(),
            thumbnail: false,
        }]);
        let before = store.outbox_stats().await.unwrap().pending;
        let results = store.append_messages(&batch).await.unwrap();
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        let queued = store.outbox_stats().await.unwrap().pending - before;
        assert_eq!(queued, size as i64, "one event per message of {size}");
        let carried = store
            .upload(ws.workspace.id, upload.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(carried.message_id, Some(batch[1].id), "batch of {size}");
        conversations.push(c.id);
    }
    let later = Timestamp::now().plus(Duration::from_secs(3_600));
    let emails = store
        .claim_emails(later, later.plus(Duration::from_secs(60)), 10)
        .await
        .unwrap();
    let mut replies: Vec<_> = emails
        .iter()
        .map(|e| (e.kind.as_str(), e.conversation_id.unwrap(), e.from_seq))
        .collect();
    replies.sort_by_key(|r| conversations.iter().position(|c| *c == r.1));
    let expected: Vec<_> = conversations
        .iter()
        .map(|c| ("reply", *c, Some(1)))
        .collect();
    assert_eq!(replies, expected);
}

/// A switched-off webhook's events are not claimed (its pings are: an admin tests it), and are
/// due at once when it is switched on again, even those that were to be retried later; claims that leave out other receivers (the
/// per-webhook claim on Postgres) find the same.
async fn a_switched_off_webhooks_events_wait_until_it_is_switched_on(backend: Backend) {
    use parley::store::webhooks::{AfterAttempt, AttemptRecord, WebhookChange};
    let db = TestDb::new(backend).await;
    let store = db.store().await;
    let ws = workspace(&store, "a@acme.test").await;
    let hook = webhook_with_pings(&store, ws.workspace.id, "https://hooks.example/x", 0).await;
    let other = webhook_with_pings(&store, ws.workspace.id, "https://hooks.example/y", 1).await;
    let v = visitor(&store, &ws).await;
    let c = conversation(&store, &ws, &v).await;
    let batch: Vec<_> = (0..3)
        .map(|i| {
            let body = format!("hello {i}");
            new_message(
                ws.workspace.id,
                c.id,
                visitor_author(&v),
                MessageKind::Text,
                &body,
                None,
            )
        })
        .collect();
    assert!(store
        .append_messages(&batch)
        .await
        .unwrap()
        .iter()
        .all(Result::is_ok));
    // Its three events failed once and are due again in an hour.
    let now = Timestamp::now();
    let tried = store
        .claim_due(now, now.plus(Duration::from_secs(60)), 10, &[other.id])
        .await
        .unwrap();
    assert_eq!(tried.len(), 3);
    for due in &tried {
        store
            .record_attempt(&AttemptRecord {
                outbox_id: due.id,
                workspace_id: ws.workspace.id,
                webhook_id: hook.id,
                attempt: 1,
                status_code: Some(500),
                ok: false,
                error: Some("answered 500".into()),
                response: None,
                duration_ms: 1,
                at: now,
                after: AfterAttempt::RetryAt(now.plus(Duration::from_secs(3600))),
                disable_if_failing_since: now.minus(Duration::from_secs(86_400)),
                disable_reason: String::new(),
            })
            .await
            .unwrap();
    }
    let switch = |active: bool| WebhookChange {
        active: Some(active),
        ..Default::default()
    };
    store
        .update_webhook(ws.workspace.id, hook.id, &switch(false))
        .await
        .unwrap()
        .unwrap();
    assert!(store
        .enqueue_ping(
            ws.workspace.id,
            hook.id,
            uuid::Uuid::new_v4(),
            &serde_json::json!({})
        )
        .await
        .unwrap());
    let claim = |skip: Vec<parley::domain::WebhookId>| {
        let store = store.clone();
        async move {
            let now = Timestamp::now();
            let mut claimed: Vec<(parley::domain::WebhookId, String)> = store
                .claim_due(now, now.plus(Duration::from_secs(60)), 10, &skip)
                .await
                .unwrap()
                .into_iter()
                .map(|due| (due.webhook_id, due.event))
                .collect();
            claimed.sort();
            claimed
        }
    };
    assert_eq!(
        claim(vec![other.id]).await,
        [(hook.id, "ping".to_owned())],
        "switched off: only its ping"
    );
    store
        .update_webhook(ws.workspace.id, hook.id, &switch(true))
        .await
        .unwrap()
        .unwrap();
    let created = (hook.id, "message.created".to_owned());
    assert_eq!(
        claim(vec![other.id]).await,
        [created.clone(), created.clone(), created],
        "switched on: its events are due at once"
    );
    // The other webhook, left out so far, has the same three events and its ping.
    let others = claim(vec![]).await;
    let created = (other.id, "message.created".to_owned());
    let ping = (other.id, "ping".to_owned());
    assert_eq!(others, [created.clone(), created.clone(), created, ping]);
}

/// A webhook on `message.created` with `pings` events queued for it.
async fn webhook_with_pings(
    store: &DynStore,
    workspace: parley::domain::WorkspaceId,
    url: &str,
    pings: usize,
) -> parley::domain::Webhook {
    let hook = store
        .create_webhook(
            workspace,
            &parley::store::webhooks::NewWebhook {
                url: url.into(),
                secret: "whsec_x".into(),
                events: vec!["message.created".into()],
            },
        )
        .await
        .unwrap();
    for _ in 0..pings {
        assert!(store
            .enqueue_ping(
                workspace,
                hook.id,
                uuid::Uuid::new_v4(),
                &serde_json::json!({})
            )
            .await
            .unwrap());
    }
    hook
}
