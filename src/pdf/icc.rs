//! The sRGB ICC profile of the record's PDF/A output intent, made here rather than shipped: an
//! ICC v2 display profile (matrix and tone curves) with the sRGB primaries adapted to D50 and
//! the IEC 61966-2-1 tone curve sampled at 1,024 points. Everything the record draws is
//! DeviceRGB, which the output intent says is sRGB.

/// The output condition the intent names.
pub(crate) const SRGB: &str = "sRGB IEC61966-2.1";

const D50: [f64; 3] = [0.9642, 1.0, 0.8249];
/// The media white point, D65, as the common v2 sRGB profiles give it.
const WHITE_D65: [f64; 3] = [0.9505, 1.0, 1.0891];
/// The sRGB primaries' XYZ, chromatically adapted to D50 (Bradford).
const RED: [f64; 3] = [0.4361, 0.2225, 0.0139];
const GREEN: [f64; 3] = [0.3851, 0.7169, 0.0971];
const BLUE: [f64; 3] = [0.1431, 0.0606, 0.7141];
const CURVE_POINTS: usize = 1024;

fn s15_fixed16(value: f64) -> [u8; 4] {
    ((value * 65536.0).round() as i32).to_be_bytes()
}

fn xyz_tag(xyz: [f64; 3]) -> Vec<u8> {
    let mut tag = b"XYZ \0\0\0\0".to_vec();
    for v in xyz {
        tag.extend(s15_fixed16(v));
    }
    tag
}

/// The sRGB tone curve, from encoded value to linear light.
fn srgb_curve() -> Vec<u8> {
    let mut tag = b"curv\0\0\0\0".to_vec();
    tag.extend((CURVE_POINTS as u32).to_be_bytes());
    for i in 0..CURVE_POINTS {
        let x = i as f64 / (CURVE_POINTS - 1) as f64;
        let y = if x <= 0.04045 { x / 12.92 } else { ((x + 0.055) / 1.055).powf(2.4) };
        tag.extend(((y * 65535.0).round() as u16).to_be_bytes());
    }
    tag
}

/// A v2 textDescriptionType: the ASCII description, and empty Unicode and ScriptCode parts.
fn description(text: &str) -> Vec<u8> {
    let mut tag = b"desc\0\0\0\0".to_vec();
    tag.extend((text.len() as u32 + 1).to_be_bytes());
    tag.extend(text.as_bytes());
    tag.push(0);
    tag.extend([0u8; 4 + 4 + 2 + 1 + 67]);
    tag
}

fn text(text: &str) -> Vec<u8> {
    let mut tag = b"text\0\0\0\0".to_vec();
    tag.extend(text.as_bytes());
    tag.push(0);
    tag
}

/// The profile's bytes.
pub(crate) fn srgb_profile() -> Vec<u8> {
    let curve = srgb_curve();
    // The three tone curves are one curve: their tags share its data.
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", description(SRGB)),
        (b"cprt", text("No copyright, use freely")),
        (b"wtpt", xyz_tag(WHITE_D65)),
        (b"rXYZ", xyz_tag(RED)),
        (b"gXYZ", xyz_tag(GREEN)),
        (b"bXYZ", xyz_tag(BLUE)),
        (b"rTRC", curve),
    ];
    let table_len = 4 + 12 * (tags.len() + 2);
    let mut data = Vec::new();
    let mut entries = Vec::new();
    for (signature, bytes) in &tags {
        let offset = 128 + table_len + data.len();
        entries.push((**signature, offset, bytes.len()));
        data.extend(bytes);
        while !data.len().is_multiple_of(4) {
            data.push(0);
        }
    }
    let (_, curve_offset, curve_len) = entries[entries.len() - 1];
    entries.push((*b"gTRC", curve_offset, curve_len));
    entries.push((*b"bTRC", curve_offset, curve_len));

    let size = 128 + table_len + data.len();
    let mut profile = Vec::with_capacity(size);
    profile.extend((size as u32).to_be_bytes());
    profile.extend([0u8; 4]); // preferred CMM: none
    profile.extend([0x02, 0x10, 0, 0]); // version 2.1
    profile.extend(b"mntrRGB XYZ ");
    // Creation date: fixed, so that the record's bytes do not depend on the clock.
    for part in [2026u16, 1, 1, 0, 0, 0] {
        profile.extend(part.to_be_bytes());
    }
    profile.extend(b"acsp");
    profile.extend([0u8; 4 + 4 + 4 + 4 + 8 + 4]); // platform, flags, manufacturer, model, attributes, intent
    for v in D50 {
        profile.extend(s15_fixed16(v));
    }
    profile.extend([0u8; 4 + 16 + 28]); // creator, profile id, reserved
    profile.extend((entries.len() as u32).to_be_bytes());
    for (signature, offset, len) in &entries {
        profile.extend(signature);
        profile.extend((*offset as u32).to_be_bytes());
        profile.extend((*len as u32).to_be_bytes());
    }
    profile.extend(data);
    profile
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_is_a_well_formed_v2_rgb_display_profile() {
        let profile = srgb_profile();
        assert_eq!(u32::from_be_bytes(profile[0..4].try_into().unwrap()) as usize, profile.len());
        assert_eq!(&profile[12..24], b"mntrRGB XYZ ");
        assert_eq!(&profile[36..40], b"acsp");
        let count = u32::from_be_bytes(profile[128..132].try_into().unwrap()) as usize;
        assert_eq!(count, 9);
        for entry in profile[132..132 + 12 * count].chunks(12) {
            let offset = u32::from_be_bytes(entry[4..8].try_into().unwrap()) as usize;
            let len = u32::from_be_bytes(entry[8..12].try_into().unwrap()) as usize;
            assert!(offset.is_multiple_of(4) && offset + len <= profile.len(), "{:?}", std::str::from_utf8(&entry[0..4]));
        }
        // The curve's ends: black and white.
        let curve = srgb_curve();
        assert_eq!(&curve[12..14], &[0, 0]);
        assert_eq!(&curve[curve.len() - 2..], &[0xff, 0xff]);
    }
}
