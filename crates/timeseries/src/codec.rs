//! The compressed form of a run of readings: timestamps as delta-of-delta and values as
//! scaled decimal integers with deltas, both zig-zag encoded and bit-packed in groups of
//! 128 at the width the group needs. Sensors report a few decimals at a steady interval,
//! so a timestamp costs almost nothing and a value a few bits (VictoriaMetrics and Gorilla
//! build on the same two observations).

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

impl std::fmt::Display for Corrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "damaged readings block: {}", self.0)
    }
}

impl std::error::Error for Corrupt {}

/// Appends the encoding of sorted, unique timestamps (ms) and their values to `out`;
/// returns the decimal scale the values were stored at (None: raw bits).
pub fn encode(ts: &[i64], vals: &[f64], out: &mut Vec<u8>) -> Option<u8> {
    debug_assert_eq!(ts.len(), vals.len());
    out.push(VERSION);
    put_uvarint(out, ts.len() as u64);
    if ts.is_empty() {
        return Some(0);
    }
    put_ivarint(out, ts[0]);
    // The first interval on its own, so the groups hold only the (tiny) changes of interval.
    let first_delta = ts.get(1).map_or(0, |t| t.wrapping_sub(ts[0]));
    put_ivarint(out, first_delta);
    let mut prev_delta = first_delta;
    let dods = ts.windows(2).skip(1).map(|w| {
        let d = w[1].wrapping_sub(w[0]);
        let dod = d.wrapping_sub(prev_delta);
        prev_delta = d;
        dod
    });
    put_packed(out, dods);
    match decimal_scale(vals) {
        Some(scale) => {
            out.push(scale);
            let f = 10f64.powi(scale as i32);
            let ints: Vec<i64> = vals.iter().map(|v| (v * f).round() as i64).collect();
            put_ivarint(out, ints[0]);
            put_packed(out, ints.windows(2).map(|w| w[1].wrapping_sub(w[0])));
            Some(scale)
        }
        None => {
            out.push(RAW);
            for v in vals {
                out.extend_from_slice(&v.to_bits().to_le_bytes());
            }
            None
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
    let mut delta = take_ivarint(&mut b)?;
    if n > 1 {
        t = t.wrapping_add(delta);
        ts.push(t);
    }
    take_packed(&mut b, n.saturating_sub(2), |dod| {
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
        take_packed(&mut b, n - 1, |d| {
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

/// Values per bit-packed group.
const GROUP: usize = 128;

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(u: u64) -> i64 {
    ((u >> 1) as i64) ^ -((u & 1) as i64)
}

/// Writes signed integers zig-zag encoded, in groups of [`GROUP`], each group a width byte
/// then its values at that many bits (a group of zeros is one byte).
fn put_packed(out: &mut Vec<u8>, it: impl Iterator<Item = i64>) {
    let zz: Vec<u64> = it.map(zigzag).collect();
    for group in zz.chunks(GROUP) {
        let max = group.iter().fold(0u64, |a, &v| a | v);
        let width = 64 - max.leading_zeros();
        out.push(width as u8);
        if width == 0 {
            continue;
        }
        let (mut acc, mut bits) = (0u128, 0u32);
        for &v in group {
            acc |= u128::from(v) << bits;
            bits += width;
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        if bits > 0 {
            out.push(acc as u8);
        }
    }
}

/// Reads `n` integers written by [`put_packed`].
fn take_packed(b: &mut &[u8], n: usize, mut f: impl FnMut(i64)) -> Result<(), Corrupt> {
    let mut left = n;
    while left > 0 {
        let len = left.min(GROUP);
        let width = u32::from(take_u8(b)?);
        if width > 64 {
            return Err(Corrupt("bad bit width"));
        }
        if width == 0 {
            (0..len).for_each(|_| f(0));
            left -= len;
            continue;
        }
        let bytes = (len * width as usize).div_ceil(8);
        let data = b.get(..bytes).ok_or(Corrupt("truncated group"))?;
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        let (mut acc, mut bits, mut next) = (0u128, 0u32, 0usize);
        for _ in 0..len {
            while bits < width {
                acc |= u128::from(data[next]) << bits;
                next += 1;
                bits += 8;
            }
            f(unzigzag(acc as u64 & mask));
            acc >>= width;
            bits -= width;
        }
        *b = &b[bytes..];
        left -= len;
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
    put_uvarint(out, zigzag(v));
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
    Ok(unzigzag(take_uvarint(b)?))
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

    /// Encodes and decodes; the bytes, or why they did not decode.
    fn round_trip(ts: &[i64], vals: &[f64]) -> Result<Vec<u8>, Corrupt> {
        let mut out = Vec::new();
        encode(ts, vals, &mut out);
        let (mut t2, mut v2) = (Vec::new(), Vec::new());
        let rest = decode(&out, &mut t2, &mut v2)?;
        assert!(rest.is_empty());
        assert_eq!(t2, ts);
        assert_eq!(
            v2.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            vals.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        Ok(out)
    }

    #[test]
    fn steady_sensor_data_takes_under_a_byte_per_reading() -> Result<(), Corrupt> {
        let ts: Vec<i64> = (0..1440).map(|i| 1_700_000_000_000 + i * 60_000).collect();
        let mut v = 2013i64;
        let vals: Vec<f64> = (0..1440)
            .map(|i| {
                v += (i * 7919 % 41) - 20;
                v as f64 / 100.0
            })
            .collect();
        let bytes = round_trip(&ts, &vals)?;
        // Steps of up to ±0.20: 6 bits a reading, timestamps nearly free.
        assert!(bytes.len() < 1440 * 6 / 8 + 64, "{} bytes", bytes.len());
        Ok(())
    }

    #[test]
    fn awkward_values_fall_back_to_raw_bits() -> Result<(), Corrupt> {
        round_trip(&[1, 2, 3], &[0.1 + 0.2, f64::MAX, -0.0])?;
        round_trip(&[], &[])?;
        round_trip(&[-5], &[1e300])?;
        // Extreme deltas need all 64 bits.
        round_trip(&[i64::MIN, 0, i64::MAX], &[-9e15, 9e15, 0.0])?;
        Ok(())
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
            round_trip(&ts, &vals).map_err(|e| TestCaseError::fail(e.0))?;
        }

        #[test]
        fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes, &mut Vec::new(), &mut Vec::new());
        }
    }
}
