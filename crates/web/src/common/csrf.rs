//! Cross-site request forgery: a state-changing request must come from our own pages. Browsers
//! say where a request comes from (`Sec-Fetch-Site`, `Origin`); a foreign answer is refused.
//! SameSite=Lax cookies are the second line: a cross-site POST carries no session.

use axum::{
    extract::Request,
    http::{Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn guard(own_origin: String, request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    // Browsers set Sec-Fetch-Site themselves and pages cannot forge it: when present it decides.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return refuse(&request);
        }
        return next.run(request).await;
    }
    // Older browsers: the Origin header must be ours ("null" is what sandboxed or
    // privacy-stripped cross-site requests send).
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && origin != own_origin
        && origin != request_origin(&request).as_deref().unwrap_or("")
    {
        return refuse(&request);
    }
    next.run(request).await
}

/// The origin the request was addressed to, from its Host header.
fn request_origin(request: &Request) -> Option<String> {
    let host = request.headers().get(header::HOST)?.to_str().ok()?;
    Some(format!("http://{host}"))
}

/// Programs that are not browsers send neither header: they are served (a page elsewhere
/// cannot make a browser act without one). The API answers in its own shape.
fn refuse(request: &Request) -> Response {
    if request.uri().path().starts_with("/api/") {
        return crate::api::ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site",
            "This call came from another website's page, so we did not act on it.",
        )
        .into_response();
    }
    (
        StatusCode::FORBIDDEN,
        "This form was sent from another website, so we did not act on it.",
    )
        .into_response()
}

/// `scheme://host[:port]` of a base URL.
pub fn origin_of(base_url: &str) -> String {
    let scheme_end = base_url.find("://").map_or(0, |i| i + 3);
    let end = base_url[scheme_end..]
        .find('/')
        .map_or(base_url.len(), |i| scheme_end + i);
    base_url[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_drop_the_path() {
        assert_eq!(
            origin_of("https://portal.example.org/base"),
            "https://portal.example.org"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
