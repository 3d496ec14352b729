use super::*;
use proptest::prelude::*;
use std::sync::LazyLock;

static KENYA: LazyLock<Calendar> =
    LazyLock::new(|| Calendar::parse(include_str!("../../../../calendar/kenya.toml")).expect("calendar/kenya.toml parses"));

fn date(s: &str) -> Date {
    Date::parse(s).expect("valid test date")
}

fn holiday(s: &str) -> Option<&'static str> {
    KENYA.holiday(date(s)).map(|t| t.en.as_str())
}

/// Unix seconds for a UTC moment.
fn utc(day: &str, hour: i64, minute: i64) -> i64 {
    date(day).to_unix_days() * DAY + hour * 3600 + minute * 60
}

/// The deadline for a day: the Nairobi midnight that ends it, i.e. 21:00 UTC that day.
fn end_of(day: &str) -> i64 {
    utc(day, 21, 0)
}

#[test]
fn date_helpers_agree_with_known_days() {
    assert_eq!(date("1970-01-01").to_unix_days(), 0);
    assert_eq!(date("2025-11-26").to_unix_days(), 20_418);
    assert_eq!(date("1970-01-01").weekday(), 4);
    assert_eq!(date("2026-11-27").weekday(), 5);
    assert_eq!(date("2027-12-12").weekday(), 7);
    assert_eq!(date("2024-02-28").add_days(1).to_string(), "2024-02-29");
    assert_eq!(date("2026-01-01").add_days(-1).to_string(), "2025-12-31");
}

#[test]
fn easter_holidays() {
    assert_eq!(holiday("2026-04-03"), Some("Good Friday"));
    assert_eq!(holiday("2026-04-06"), Some("Easter Monday"));
    assert_eq!(holiday("2024-03-29"), Some("Good Friday"));
    assert_eq!(holiday("2025-04-21"), Some("Easter Monday"));
    for (year, sunday) in [(2000, "2000-04-23"), (2027, "2027-03-28"), (2038, "2038-04-25"), (2285, "2285-03-22")] {
        assert_eq!(easter_sunday(year), Some(date(sunday)));
    }
    assert!(KENYA.is_working_day(date("2026-04-02")));
    assert!(KENYA.is_working_day(date("2026-04-07")));
}

#[test]
fn fixed_holidays_and_the_sunday_rule() {
    assert_eq!(holiday("2026-06-01"), Some("Madaraka Day"));
    assert!(!KENYA.is_working_day(date("2026-06-01")));
    // Saturday: nothing moves.
    assert_eq!(holiday("2026-12-12"), Some("Jamhuri Day"));
    assert_eq!(holiday("2026-12-14"), None);
    // Sunday: the Monday is the holiday.
    assert_eq!(holiday("2027-12-13"), Some("Jamhuri Day"));
    assert!(!KENYA.is_working_day(date("2027-12-13")));
    assert!(KENYA.is_working_day(date("2027-12-14")));
    // Dated holidays move too.
    assert_eq!(holiday("2028-02-28"), Some("Idd-ul-Fitr"));
    assert_eq!(holiday("2026-03-20"), Some("Idd-ul-Fitr"));
    // Mazingira Day only since 2024.
    assert_eq!(holiday("2025-10-10"), Some("Mazingira Day"));
    assert_eq!(holiday("2023-10-10"), None);
}

#[test]
fn a_sunday_holiday_skips_a_monday_that_is_already_one() {
    // As gazetted in 2016 and 2022: Christmas on Sunday, Boxing Day on Monday → Tuesday off.
    assert_eq!(holiday("2022-12-26"), Some("Boxing Day"));
    assert_eq!(holiday("2022-12-27"), Some("Christmas Day"));
    assert_eq!(holiday("2016-12-27"), Some("Christmas Day"));
    assert_eq!(holiday("2022-12-28"), None);
    assert_eq!(holiday("2023-01-02"), Some("New Year's Day"));
    // Boxing Day on a Sunday (2027) → Monday 27th.
    assert_eq!(holiday("2027-12-27"), Some("Boxing Day"));
}

#[test]
fn the_rule_can_be_switched_off() {
    let text = include_str!("../../../../calendar/kenya.toml").replace("sunday_moves_to_monday = true", "sunday_moves_to_monday = false");
    let calendar = Calendar::parse(&text).expect("parses");
    assert!(calendar.holiday(date("2027-12-13")).is_none());
}

#[test]
fn weekends_are_not_working_days() {
    for day in ["2026-11-28", "2026-11-29", "2026-12-12", "2027-12-12"] {
        assert!(!KENYA.is_working_day(date(day)), "{day}");
    }
    assert!(KENYA.is_working_day(date("2026-11-27")));
}

#[test]
fn nairobi_is_three_hours_ahead() {
    let late = utc("2026-11-26", 22, 30);
    assert_eq!(local_date(late), date("2026-11-27"));
    assert_eq!(local_date(utc("2026-11-26", 20, 59)), date("2026-11-26"));
    assert_eq!(KENYA.add_working_days(late, 0), end_of("2026-11-27"));
    // 22:30Z Thursday is Friday in Nairobi: one working day is Monday.
    assert_eq!(KENYA.add_working_days(late, 1), end_of("2026-11-30"));
}

#[test]
fn deadlines_skip_weekends_and_holidays() {
    let friday_afternoon = utc("2026-11-27", 11, 0);
    assert_eq!(KENYA.add_working_days(friday_afternoon, 1), end_of("2026-11-30"));
    assert_eq!(KENYA.add_working_days(friday_afternoon, 5), end_of("2026-12-04"));
    // Jamhuri Day 2027 is a Sunday, so Monday 13th is off.
    assert_eq!(KENYA.add_working_days(utc("2027-12-10", 12, 0), 1), end_of("2027-12-14"));
    // Easter 2026: Thursday → Good Friday, weekend, Easter Monday → Tuesday.
    assert_eq!(KENYA.add_working_days(utc("2026-04-02", 6, 0), 1), end_of("2026-04-07"));
    // Christmas 2026 is a Friday, Boxing Day a Saturday (no move).
    assert_eq!(KENYA.add_working_days(utc("2026-12-24", 6, 0), 1), end_of("2026-12-28"));
    // Christmas 2027 is a Saturday, Boxing Day a Sunday → Monday 27th is off too.
    assert_eq!(KENYA.add_working_days(utc("2027-12-24", 6, 0), 1), end_of("2027-12-28"));
    assert_eq!(KENYA.add_working_days(utc("2027-12-24", 6, 0), 3), end_of("2027-12-30"));
}

#[test]
fn counting_between_moments() {
    let friday = utc("2026-11-27", 11, 0);
    assert_eq!(KENYA.working_days_between(friday, utc("2026-12-04", 8, 0)), 5);
    assert_eq!(KENYA.working_days_between(utc("2026-12-04", 8, 0), friday), -5);
    assert_eq!(KENYA.working_days_between(friday, friday + 3600), 0);
    // Friday to Sunday: no working day.
    assert_eq!(KENYA.working_days_between(friday, utc("2026-11-29", 8, 0)), 0);
}

fn error(text: &str) -> CalendarError {
    Calendar::parse(text).expect_err("refused")
}

#[test]
fn parse_errors_name_the_line() {
    let e = error("sunday_moves_to_monday = true\n\n[[date]]\ndate = \"2026-02-30\"\nname = { en = \"X\", sw = \"X\" }\n");
    assert_eq!(e.line, 4);
    assert!(e.message.contains("2026-02-30"), "{e}");
    assert_eq!(e.to_string(), format!("line 4: {}", e.message));

    let e = error("sunday_moves_to_monday = true\n[[fixed]]\ndate = \"01-01\"\ncolour = \"red\"\nname = { en = \"X\", sw = \"X\" }\n");
    assert_eq!(e.line, 4);
    assert!(e.message.contains("colour"), "{e}");

    let e = error("sunday_moves_to_monday = true\n[[fixed]]\ndate = \"13-01\"\nname = { en = \"X\", sw = \"X\" }\n");
    assert_eq!((e.line, e.message.contains("MM-DD")), (3, true), "{e}");

    let e = error("sunday_moves_to_monday = true\n[[easter]]\noffset = 90\nname = { en = \"X\", sw = \"X\" }\n");
    assert_eq!((e.line, e.message.contains("90")), (3, true), "{e}");

    let e = error("sunday_moves_to_monday = true\n[[easter]]\noffset = 1\nname = { en = \"X\" }\n");
    assert_eq!((e.line, e.message.contains("sw")), (4, true), "{e}");

    let e = error("holidays = []\n");
    assert_eq!(e.line, 1, "{e}");
}

fn moment() -> impl Strategy<Value = i64> {
    // 2020-01-01 to 2035-01-01, any second.
    1_577_836_800i64..2_051_222_400
}

proptest! {
    #[test]
    fn unix_days_round_trip(days in -50_000i64..3_000_000) {
        let d = Date::from_unix_days(days);
        prop_assert_eq!(d.to_unix_days(), days);
        prop_assert_eq!(i64::from(d.weekday()), (days + 3).rem_euclid(7) + 1);
    }

    #[test]
    fn deadlines_end_a_working_day(t in moment(), n in 1u32..40) {
        let deadline = KENYA.add_working_days(t, n);
        prop_assert_eq!((deadline + NAIROBI_OFFSET).rem_euclid(DAY), 0);
        prop_assert!(KENYA.is_working_day(local_date(deadline - 1)));
    }

    #[test]
    fn deadlines_grow_with_days(t in moment(), n in 0u32..40) {
        prop_assert!(KENYA.add_working_days(t, n) < KENYA.add_working_days(t, n + 1));
    }

    #[test]
    fn counting_undoes_adding(t in moment(), n in 0u32..40) {
        prop_assert_eq!(KENYA.working_days_between(t, KENYA.add_working_days(t, n) - 1), i64::from(n));
    }

    #[test]
    fn counting_is_antisymmetric_and_additive(a in moment(), b in moment(), c in moment()) {
        // Keep spans short so each case stays cheap.
        let (b, c) = (a + (b - a) / 200, a + (c - a) / 200);
        prop_assert_eq!(KENYA.working_days_between(a, b), -KENYA.working_days_between(b, a));
        prop_assert_eq!(KENYA.working_days_between(a, b) + KENYA.working_days_between(b, c), KENYA.working_days_between(a, c));
    }
}
