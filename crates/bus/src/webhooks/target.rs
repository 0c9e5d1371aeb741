//! Which URLs a webhook may call: HTTP(S) only, and hosts on private, loopback or
//! link-local networks only when the configuration allows them (an administrator's URL
//! must not reach the museum's own network unless meant to).

use std::net::IpAddr;

use vitrine_kernel::FieldError;

/// Checks a subscription URL; a refusal names `url`.
pub fn check(url: &str, allow_private: bool) -> Result<reqwest::Url, FieldError> {
    let bad = |m: String| FieldError::new("url", "invalid_url", m);
    let u = reqwest::Url::parse(url.trim()).map_err(|e| {
        bad(format!(
            "not a URL ({e}): {}",
            vitrine_kernel::excerpt::excerpt(url)
        ))
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(bad(format!(
            "webhooks are delivered over http or https, not `{}`",
            vitrine_kernel::excerpt::excerpt(u.scheme())
        )));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(bad(
            "put no credentials in the URL: deliveries are signed".into()
        ));
    }
    let host = u
        .host_str()
        .ok_or_else(|| bad("the URL has no host".into()))?;
    if !allow_private && is_private(host) {
        return Err(FieldError::new(
            "url",
            "forbidden_host",
            format!(
                "`{}` is a loopback or private address; deliveries there are off (allow them with webhook_allow_private)",
                vitrine_kernel::excerpt::excerpt(host)
            ),
        ));
    }
    Ok(u)
}

fn is_private(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") || h.ends_with(".localhost") || h.ends_with(".local") {
        return true;
    }
    match h.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => {
            a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.octets()[0] == 100 && (64..128).contains(&a.octets()[1])
        }
        Ok(IpAddr::V6(a)) => {
            a.is_loopback()
                || a.is_unspecified()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped()
                    .is_some_and(|v4| is_private(&v4.to_string()))
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_are_taken() {
        for bad in [
            "ftp://example.org/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert_eq!(check(bad, true).unwrap_err().field, "url", "{bad}");
        }
        assert!(check("https://hooks.example.org/vitrine", false).is_ok());
    }

    #[test]
    fn private_hosts_need_the_setting() {
        for host in [
            "http://127.0.0.1:9000/",
            "http://localhost/",
            "http://10.1.2.3/",
            "http://[::1]/",
            "http://192.168.0.9/",
            "http://169.254.169.254/",
        ] {
            assert_eq!(
                check(host, false).unwrap_err().code,
                "forbidden_host",
                "{host}"
            );
            assert!(check(host, true).is_ok(), "{host}");
        }
    }
}
