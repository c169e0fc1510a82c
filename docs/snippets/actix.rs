use actix_web::{middleware::from_fn, web, App, HttpResponse, HttpServer};
use sealed_session::{Key, KeyRing};
use sealed_session_actix::{renew, Session, SessionError, Sessions};

async fn login(sessions: Sessions) -> Result<HttpResponse, SessionError> {
    // ... check the password, then:
    let set = sessions.start("user-42")?;
    Ok(HttpResponse::Ok().append_header(set.header()).body("welcome"))
}

async fn me(session: Session) -> String {
    // ... load the user, then: session.check_valid_after(user.sessions_valid_after)
    format!("you are {}", session.user_id())
}

async fn logout(sessions: Sessions) -> HttpResponse {
    HttpResponse::Ok().append_header(sessions.end()).body("bye")
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sessions = Sessions::builder(KeyRing::new(Key::from_env("SEALED_SESSION_KEY")?)).build();
    HttpServer::new(move || {
        App::new()
            .app_data(sessions.clone())
            .wrap(from_fn(renew))
            .route("/login", web::post().to(login))
            .route("/me", web::get().to(me))
            .route("/logout", web::post().to(logout))
    })
    .bind(("127.0.0.1", 3000))?
    .run()
    .await?;
    Ok(())
}
