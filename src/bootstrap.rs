//! Creating workspaces: the first start on an empty database, and `parley workspace create`.

use crate::auth::{password, random_token};
use crate::domain::{Email, NewSite, NewWorkspace, SiteKey, WidgetSettings};
use crate::store::{CreatedWorkspace, Store, StoreError};

/// Length of a generated admin password.
const GENERATED_PASSWORD_LEN: usize = 20;
/// Length of a generated identity secret.
const IDENTITY_SECRET_LEN: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The widget settings a new site starts with.
pub fn default_site_settings() -> serde_json::Value {
    WidgetSettings::default().to_json()
}

/// Creates a workspace with its admin and a first site.
pub async fn create_workspace(
    store: &dyn Store,
    name: &str,
    admin_email: Email,
    admin_password: String,
    site_name: &str,
) -> Result<CreatedWorkspace, BootstrapError> {
    make_workspace(store, name, admin_email, admin_password, site_name, false).await
}

async fn make_workspace(
    store: &dyn Store,
    name: &str,
    admin_email: Email,
    admin_password: String,
    site_name: &str,
    first: bool,
) -> Result<CreatedWorkspace, BootstrapError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(BootstrapError::Invalid(
            "workspace name must be 1 to 200 characters".into(),
        ));
    }
    let password_hash = password::hash(admin_password)
        .await
        .map_err(|e| BootstrapError::Invalid(e.to_string()))?;
    let admin_name = admin_email
        .as_str()
        .split('@')
        .next()
        .unwrap_or("admin")
        .to_owned();
    let new = NewWorkspace {
        name: name.to_owned(),
        first,
        admin_email,
        admin_name,
        admin_password_hash: password_hash,
        site: NewSite {
            name: site_name.to_owned(),
            site_key: SiteKey::generate(),
            identity_secret: random_token(IDENTITY_SECRET_LEN),
            allowed_origins: Vec::new(),
            settings: default_site_settings(),
        },
    };
    Ok(store.create_workspace(&new).await?)
}

/// What the first start made, for the banner.
pub struct FirstStart {
    pub created: CreatedWorkspace,
    /// The admin password, when it was generated (it is printed once, then only its hash exists).
    pub generated_password: Option<String>,
}

/// On an empty database, creates the first workspace, its admin and a demo site.
/// Returns `None` when the database already has a workspace (or another node made it first).
pub async fn first_start(
    store: &dyn Store,
    admin_email: &Email,
    admin_password: Option<&str>,
) -> Result<Option<FirstStart>, BootstrapError> {
    if store.workspace_count().await? > 0 {
        return Ok(None);
    }
    let generated = admin_password
        .is_none()
        .then(|| random_token(GENERATED_PASSWORD_LEN));
    let password = admin_password
        .map(str::to_owned)
        .or_else(|| generated.clone())
        .unwrap_or_default();
    match make_workspace(
        store,
        "My workspace",
        admin_email.clone(),
        password,
        "Demo site",
        true,
    )
    .await
    {
        Ok(created) => Ok(Some(FirstStart {
            created,
            generated_password: generated,
        })),
        // Another node bootstrapped the same database at the same moment.
        Err(BootstrapError::Store(StoreError::Conflict(_))) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The text printed on start: where to go, how to log in, what to paste.
pub fn banner(public_url: &str, first: Option<&FirstStart>) -> String {
    let mut text =
        format!("\nParley is running at {public_url}\n  Dashboard:  {public_url}/dashboard\n");
    if let Some(first) = first {
        text.push_str(&format!("  Admin:      {}\n", first.created.admin.email));
        match &first.generated_password {
            Some(password) => text.push_str(&format!(
                "  Password:   {password}   (generated; shown only this once)\n"
            )),
            None => text.push_str("  Password:   the one in PARLEY_ADMIN_PASSWORD\n"),
        }
        text.push_str(&format!(
            "  Paste this on your site:\n    <script async src=\"{public_url}/widget.js\" data-site-key=\"{}\"></script>\n  Try it:     {public_url}/demo\n",
            first.created.site.site_key
        ));
    }
    text
}
