//! Identifier generation: API Gateway ids are 10 characters of `[a-z0-9]`,
//! deployment ids 6. A seeded generator keeps tests deterministic.

/// One step of SplitMix64, the mixing function behind the generator.
pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic generator of AWS-looking identifiers.
#[derive(Debug, Clone)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    /// A generator from a seed; the same seed yields the same ids.
    pub fn new(seed: u64) -> IdGen {
        IdGen {
            state: splitmix(seed),
        }
    }

    /// The next raw 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = splitmix(self.state);
        self.state
    }

    /// `len` characters of `[a-z0-9]`, as API Gateway ids are spelled.
    pub fn id(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| ALPHABET[(self.next_u64() % 36) as usize] as char)
            .collect()
    }

    /// `len` characters of `[A-Za-z0-9]` (API key values).
    pub fn token(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| ALPHABET[(self.next_u64() % 62) as usize] as char)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let (mut a, mut b) = (IdGen::new(1), IdGen::new(1));
        let x = a.id(10);
        assert_eq!(x, b.id(10));
        assert!(
            x.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(a.id(6), IdGen::new(2).id(6));
    }
}
