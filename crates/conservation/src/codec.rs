//! The compressed form of a run of readings: timestamps as delta-of-delta and values as
//! scaled decimal integers with deltas, both as zig-zag varints where a run of zeros costs
//! two bytes. Sensors report a few decimals at a steady interval, so a typical reading
//! takes about one byte (VictoriaMetrics and Gorilla use the same two observations).

/// Format version written as the first byte.
const VERSION: u8 = 1;
/// Marker for values stored as raw IEEE-754 bits (no decimal scale fits).
const RAW: u8 = 0xFF;
/// Largest decimal scale tried (10^6: micro-units).
const MAX_SCALE: u8 = 6;
/// Most readings one block may hold (a day at 50 Hz); guards allocations on bad input.
pub const MAX_POINTS: usize = 4_320_000;

/// A decoding failure: the bytes are not a block this program wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corrupt(pub &'static str);

/// Appends the encoding of sorted, unique timestamps (ms) and their values to `out`.
pub fn encode(ts: &[i64], vals: &[f64], out: &mut Vec<u8>) {
    debug_assert_eq!(ts.len(), vals.len());
    out.push(VERSION);
    put_uvarint(out, ts.len() as u64);
    if ts.is_empty() {
        return;
    }
    put_ivarint(out, ts[0]);
    let mut prev_delta = 0i64;
    let diffs = ts.windows(2).map(|w| {
        let d = w[1].wrapping_sub(w[0]);
        let dod = d.wrapping_sub(prev_delta);
        prev_delta = d;
        dod
    });
    put_runs(out, diffs);
    match decimal_scale(vals) {
        Some(scale) => {
            out.push(scale);
            let f = 10f64.powi(scale as i32);
            let ints: Vec<i64> = vals.iter().map(|v| (v * f).round() as i64).collect();
            put_ivarint(out, ints[0]);
            put_runs(out, ints.windows(2).map(|w| w[1].wrapping_sub(w[0])));
        }
        None => {
            out.push(RAW);
            for v in vals {
                out.extend_from_slice(&v.to_bits().to_le_bytes());
            }
        }
    }
}

/// Decodes one block written by [`encode`], returning it and the bytes after it.
pub fn decode<'a>(
    mut b: &'a [u8],
    ts: &mut Vec<i64>,
    vals: &mut Vec<f64>,
) -> Result<&'a [u8], Corrupt> {
    let version = take_u8(&mut b)?;
    if version != VERSION {
        return Err(Corrupt("unknown block version"));
    }
    let n = take_uvarint(&mut b)? as usize;
    if n > MAX_POINTS {
        return Err(Corrupt("count larger than any block"));
    }
    if n == 0 {
        return Ok(b);
    }
    let start = ts.len();
    ts.reserve(n);
    let mut t = take_ivarint(&mut b)?;
    ts.push(t);
    let mut delta = 0i64;
    take_runs(&mut b, n - 1, |dod| {
        delta = delta.wrapping_add(dod);
        t = t.wrapping_add(delta);
        ts.push(t);
    })?;
    debug_assert_eq!(ts.len() - start, n);
    let scale = take_u8(&mut b)?;
    vals.reserve(n);
    if scale == RAW {
        for _ in 0..n {
            let bytes: [u8; 8] = b
                .get(..8)
                .and_then(|s| s.try_into().ok())
                .ok_or(Corrupt("truncated value"))?;
            vals.push(f64::from_bits(u64::from_le_bytes(bytes)));
            b = &b[8..];
        }
    } else if scale <= MAX_SCALE {
        let f = 10f64.powi(scale as i32);
        let mut m = take_ivarint(&mut b)?;
        vals.push(m as f64 / f);
        take_runs(&mut b, n - 1, |d| {
            m = m.wrapping_add(d);
            vals.push(m as f64 / f);
        })?;
    } else {
        return Err(Corrupt("unknown value scale"));
    }
    Ok(b)
}

/// The smallest decimal scale at which every value is an exact integer, if any.
fn decimal_scale(vals: &[f64]) -> Option<u8> {
    (0..=MAX_SCALE).find(|&s| {
        let f = 10f64.powi(s as i32);
        vals.iter().all(|&v| {
            let m = (v * f).round();
            m.abs() < 9.0e15 && m / f == v
        })
    })
}

/// The number of decimals (at most six) that represent `v` exactly, if any.
pub fn decimals(v: f64) -> Option<u8> {
    decimal_scale(&[v])
}

/// Writes a sequence of signed integers; a run of zeros is `0` followed by its extra length.
fn put_runs(out: &mut Vec<u8>, it: impl Iterator<Item = i64>) {
    let mut zeros = 0u64;
    for v in it {
        if v == 0 {
            zeros += 1;
            continue;
        }
        if zeros > 0 {
            out.push(0);
            put_uvarint(out, zeros - 1);
            zeros = 0;
        }
        put_ivarint(out, v);
    }
    if zeros > 0 {
        out.push(0);
        put_uvarint(out, zeros - 1);
    }
}

fn take_runs(b: &mut &[u8], n: usize, mut f: impl FnMut(i64)) -> Result<(), Corrupt> {
    let mut left = n;
    while left > 0 {
        let v = take_ivarint(b)?;
        if v == 0 {
            let run = take_uvarint(b)?.saturating_add(1);
            if run > left as u64 {
                return Err(Corrupt("run longer than the block"));
            }
            for _ in 0..run {
                f(0);
            }
            left -= run as usize;
        } else {
            f(v);
            left -= 1;
        }
    }
    Ok(())
}

/// Appends an unsigned LEB128 varint.
pub fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a zig-zag signed varint.
pub fn put_ivarint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// Reads an unsigned varint.
pub fn take_uvarint(b: &mut &[u8]) -> Result<u64, Corrupt> {
    let mut v = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7F) << (7 * i);
        if byte < 0x80 {
            *b = &b[i + 1..];
            return Ok(v);
        }
    }
    Err(Corrupt("truncated or overlong varint"))
}

/// Reads a zig-zag signed varint.
pub fn take_ivarint(b: &mut &[u8]) -> Result<i64, Corrupt> {
    let u = take_uvarint(b)?;
    Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
}

/// Reads one byte.
pub fn take_u8(b: &mut &[u8]) -> Result<u8, Corrupt> {
    let (&first, rest) = b.split_first().ok_or(Corrupt("truncated block"))?;
    *b = rest;
    Ok(first)
}

/// Reads a little-endian f64.
pub fn take_f64(b: &mut &[u8]) -> Result<f64, Corrupt> {
    let bytes: [u8; 8] = b
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .ok_or(Corrupt("truncated number"))?;
    *b = &b[8..];
    Ok(f64::from_le_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(ts: &[i64], vals: &[f64]) -> Vec<u8> {
        let mut out = Vec::new();
        encode(ts, vals, &mut out);
        let (mut t2, mut v2) = (Vec::new(), Vec::new());
        let rest = decode(&out, &mut t2, &mut v2).expect("decodes");
        assert!(rest.is_empty());
        assert_eq!(t2, ts);
        assert_eq!(
            v2.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            vals.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        out
    }

    #[test]
    fn steady_sensor_data_takes_about_a_byte_per_reading() {
        let ts: Vec<i64> = (0..1440).map(|i| 1_700_000_000_000 + i * 60_000).collect();
        let mut v = 2013i64;
        let vals: Vec<f64> = (0..1440)
            .map(|i| {
                v += (i * 7919 % 41) - 20;
                v as f64 / 100.0
            })
            .collect();
        let bytes = round_trip(&ts, &vals);
        assert!(bytes.len() < 1440 * 12 / 10, "{} bytes", bytes.len());
    }

    #[test]
    fn awkward_values_fall_back_to_raw_bits() {
        round_trip(&[1, 2, 3], &[0.1 + 0.2, f64::MAX, -0.0]);
        round_trip(&[], &[]);
        round_trip(&[-5], &[1e300]);
    }

    #[test]
    fn garbage_is_refused_not_a_panic() {
        for bad in [&[][..], &[2], &[1, 5], &[1, 0xFF, 0xFF], &[1, 1, 2, 9]] {
            assert!(decode(bad, &mut Vec::new(), &mut Vec::new()).is_err());
        }
    }

    proptest! {
        #[test]
        fn any_sorted_series_round_trips(
            mut ts in proptest::collection::vec(any::<i64>(), 0..200),
            cents in proptest::collection::vec(-1_000_000i64..1_000_000, 200),
        ) {
            ts.sort();
            ts.dedup();
            let vals: Vec<f64> = ts.iter().zip(&cents).map(|(_, c)| *c as f64 / 100.0).collect();
            round_trip(&ts, &vals);
        }

        #[test]
        fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes, &mut Vec::new(), &mut Vec::new());
        }
    }
}
