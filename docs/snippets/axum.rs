use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use sealed_session::{Key, KeyRing, Policy};
use sealed_session_axum::{ClearSessionCookie, Session, SessionError, Sessions, SetSessionCookie};
use std::time::Duration;

async fn login(State(s): State<Sessions>) -> Result<(SetSessionCookie, &'static str), SessionError> {
    // ... check the password, then:
    Ok((s.start("user-42")?, "welcome"))
}

async fn me(session: Session) -> String {
    // ... load the user, then: session.check_valid_after(user.sessions_valid_after)
    format!("you are {}", session.user_id())
}

async fn logout(State(s): State<Sessions>) -> (ClearSessionCookie, &'static str) {
    (s.end(), "bye")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keys = KeyRing::new(Key::from_env("SEALED_SESSION_KEY")?);
    let policy = Policy::new(Duration::from_secs(30 * 60), Duration::from_secs(8 * 3600));
    let sessions = Sessions::builder(keys).policy(policy).build();
    let app = Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
        .layer(sessions.renew_layer())
        .with_state(sessions);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
