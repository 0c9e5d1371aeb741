//! Identifiers: UUIDv7 for every record, so ids sort by creation time and index well.

use uuid::Uuid;

/// A new time-ordered record id.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// `count` bytes from the operating system's secure random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // Two v4 UUIDs per 32 bytes: uuid draws them from the OS CSPRNG (getrandom).
    for chunk in out.chunks_mut(16) {
        let b = Uuid::new_v4().into_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
    out
}
