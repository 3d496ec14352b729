//! Kenyan vehicle registration numbers.

use crate::InvalidInput;

/// A plate as written on the logbook: `KDA 123A`, `GK 123A`, `CD 45K 12`…, normalised
/// to upper case with single spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleRegistration(String);

impl VehicleRegistration {
    /// Parses the civilian series `K[A-Z]{2} \d{3}[A-Z]` (no I or O), and the government
    /// (`GK`), diplomatic (`CD`) and consular (`CG`) series, which are looser.
    pub fn parse(input: &str) -> Result<Self, InvalidInput> {
        let err = InvalidInput::new("vehicle.invalid");
        let compact: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();
        let bytes = compact.as_bytes();
        let letter = |b: u8| b.is_ascii_uppercase() && b != b'I' && b != b'O';
        if bytes.len() == 7
            && bytes[0] == b'K'
            && letter(bytes[1])
            && letter(bytes[2])
            && bytes[3..6].iter().all(u8::is_ascii_digit)
            && letter(bytes[6])
        {
            return Ok(Self(format!("{} {}", &compact[..3], &compact[3..])));
        }
        let special = ["GK", "CD", "CG"].iter().find(|p| compact.starts_with(*p));
        if let Some(prefix) = special {
            let rest = &compact[2..];
            if (2..=7).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric()) && rest.bytes().any(|b| b.is_ascii_digit())
            {
                return Ok(Self(format!("{prefix} {rest}")));
            }
        }
        Err(err)
    }

    /// The normalised plate.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
