//! Registration: match the person against the population register (citizens and
//! residents) or take a visitor's passport, then create the account and send a code to
//! the phone and to the email address.

use super::codes::{self, Channel, CodeRequest};
use super::error::Problems;
use super::{Requester, ServiceError, ServiceResult, flows, rate_limit};
use crate::app::App;
use crate::integrations::iprs::{RegisterDocument, RegisterPerson};
use crate::store::{accounts, is_unique_violation, new_id};
use huduma_domain::account::MINIMUM_AGE;
use huduma_domain::{AccountType, AlienNumber, Date, Email, NationalId, Nationality, PassportNumber, Password, PersonName, Phone};
use serde::{Deserialize, Serialize};

/// A registration flow lives this long between its two steps.
const REGISTRATION_TTL_SECS: i64 = 30 * 60;
/// The verification flow lives this long (codes can be resent within it).
pub const VERIFY_TTL_SECS: i64 = 24 * 3600;

/// Step one as typed.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct StartInput {
    /// `citizen`, `resident` or `visitor`.
    #[serde(default)]
    pub account_type: String,
    /// National ID, alien card or passport number.
    #[serde(default)]
    pub document_number: String,
    /// First name as on the document.
    #[serde(default)]
    pub first_name: String,
    /// Citizens and residents: year of birth.
    #[serde(default)]
    pub year_of_birth: String,
    /// Visitors: surname.
    #[serde(default)]
    pub surname: String,
    /// Visitors: date of birth `YYYY-MM-DD`.
    #[serde(default)]
    pub date_of_birth: String,
    /// Visitors: nationality.
    #[serde(default)]
    pub nationality: String,
}

/// Who the register (or the visitor) says the person is; kept in the flow.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Identity {
    #[schema(value_type = String, example = "citizen")]
    pub account_type: AccountType,
    /// `national_id`, `alien_card`, `passport`.
    pub document_kind: String,
    pub document_number: String,
    /// Visitors' nationality.
    pub nationality: Option<String>,
    pub first_name: String,
    pub other_names: String,
    pub surname: String,
    pub date_of_birth: String,
    /// KRA PIN from the register.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kra_pin: Option<String>,
}

impl Identity {
    /// What may be shown before the phone is proved: only what the person typed (their
    /// document, first name and year of birth — a visitor typed everything). The rest of
    /// the register's record (other names, full date of birth, KRA PIN) would otherwise be
    /// open to anyone who knows an ID number, a first name and a year; it is revealed on
    /// the account once the person has proved their phone.
    pub fn shown(&self) -> Identity {
        if self.account_type == AccountType::Visitor {
            return Identity { kra_pin: None, ..self.clone() };
        }
        Identity {
            account_type: self.account_type,
            document_kind: self.document_kind.clone(),
            document_number: self.document_number.clone(),
            nationality: None,
            first_name: self.first_name.clone(),
            other_names: String::new(),
            surname: String::new(),
            date_of_birth: self.date_of_birth.get(..4).unwrap_or_default().to_owned(),
            kra_pin: None,
        }
    }
}

/// Result of step one.
#[derive(Debug)]
pub struct Started {
    /// Token of the registration flow.
    pub token: String,
    /// Who was matched, as far as it may be shown ([`Identity::shown`]).
    pub identity: Identity,
}

/// Step one: identify the person.
pub async fn start(app: &App, input: &StartInput, who: &Requester) -> ServiceResult<Started> {
    let mut problems = Problems::default();
    let Some(account_type) = AccountType::parse(input.account_type.trim()) else {
        return Err(ServiceError::field("account_type", "account_type.invalid"));
    };
    let identity = match account_type {
        AccountType::Citizen | AccountType::Resident => {
            let number = match account_type {
                AccountType::Citizen => problems.check("document_number", NationalId::parse(&input.document_number).map(|n| n.to_string())),
                _ => problems.check("document_number", AlienNumber::parse(&input.document_number).map(|n| n.to_string())),
            };
            let first_name = problems.check("first_name", PersonName::parse(&input.first_name));
            let year: Option<i32> = input.year_of_birth.trim().parse().ok().filter(|y| (1900..=2100).contains(y));
            if year.is_none() {
                problems.add("year_of_birth", "year.invalid");
            }
            problems.finish()?;
            let (Some(number), Some(first_name), Some(year)) = (number, first_name, year) else {
                return Err(ServiceError::Internal(anyhow::anyhow!("parsed fields missing")));
            };
            rate_limit::hit(app, rate_limit::REGISTRATIONS_PER_IP, &who.ip).await?;
            let document = if account_type == AccountType::Citizen { RegisterDocument::IdCard } else { RegisterDocument::AlienCard };
            let person = look_up(app, document, &number).await?;
            match_person(app, account_type, &number, &first_name, year, person)?
        }
        AccountType::Visitor => {
            let passport = problems.check("document_number", PassportNumber::parse(&input.document_number));
            let first_name = problems.check("first_name", PersonName::parse(&input.first_name));
            let surname = problems.check("surname", PersonName::parse(&input.surname));
            let dob = problems.check("date_of_birth", Date::parse(&input.date_of_birth));
            let nationality = problems.check("nationality", Nationality::parse(&input.nationality));
            if let Some(dob) = dob
                && dob.age_on(app.clock.today_in_nairobi()) < MINIMUM_AGE
            {
                problems.add("date_of_birth", "register.minor");
            }
            problems.finish()?;
            let (Some(passport), Some(first_name), Some(surname), Some(dob), Some(nationality)) =
                (passport, first_name, surname, dob, nationality)
            else {
                return Err(ServiceError::Internal(anyhow::anyhow!("parsed fields missing")));
            };
            rate_limit::hit(app, rate_limit::REGISTRATIONS_PER_IP, &who.ip).await?;
            Identity {
                account_type,
                document_kind: "passport".into(),
                document_number: passport.as_str().to_owned(),
                nationality: Some(nationality.as_str().to_owned()),
                first_name: first_name.as_str().to_owned(),
                other_names: String::new(),
                surname: surname.as_str().to_owned(),
                date_of_birth: dob.to_string(),
                kra_pin: None,
            }
        }
    };
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if accounts::by_document(&mut tx, &identity.document_kind, &identity.document_number).await?.is_some() {
        return Err(ServiceError::field("document_number", "account.exists"));
    }
    let token = flows::create(&mut tx, "register", None, &identity, REGISTRATION_TTL_SECS, now).await?;
    tx.commit().await?;
    Ok(Started { token, identity: identity.shown() })
}

async fn look_up(app: &App, document: RegisterDocument, number: &str) -> ServiceResult<Option<RegisterPerson>> {
    let register = app.register.as_ref().ok_or(ServiceError::Unavailable("register.unavailable"))?;
    register.lookup(document, number).await.map_err(|err| {
        tracing::error!(error = %err, "population register lookup failed");
        ServiceError::Unavailable("register.unavailable")
    })
}

/// eCitizen's rule: ID number + first name + year of birth must match the register.
fn match_person(
    app: &App,
    account_type: AccountType,
    number: &str,
    first_name: &PersonName,
    year: i32,
    person: Option<RegisterPerson>,
) -> ServiceResult<Identity> {
    let no_match = || ServiceError::field("document_number", "register.no_match");
    let person = person.ok_or_else(no_match)?;
    let dob = Date::parse(&person.date_of_birth).map_err(|_| no_match())?;
    if !first_name.matches(&person.first_name) || dob.year() != year {
        return Err(no_match());
    }
    if person.date_of_death.is_some() {
        return Err(ServiceError::field("document_number", "register.deceased"));
    }
    if dob.age_on(app.clock.today_in_nairobi()) < MINIMUM_AGE {
        return Err(ServiceError::field("document_number", "register.minor"));
    }
    Ok(Identity {
        account_type,
        document_kind: if account_type == AccountType::Citizen { "national_id" } else { "alien_card" }.into(),
        document_number: number.to_owned(),
        nationality: None,
        first_name: title_case(&person.first_name),
        other_names: title_case(&person.other_name),
        surname: title_case(&person.surname),
        date_of_birth: dob.to_string(),
        kra_pin: Some(person.pin).filter(|p| !p.is_empty()),
    })
}

/// Registers often hold names in capitals; people prefer to see them as they write them.
fn title_case(name: &str) -> String {
    if name.chars().any(char::is_lowercase) {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if start {
            out.extend(c.to_uppercase())
        } else {
            out.extend(c.to_lowercase())
        }
        start = matches!(c, ' ' | '-');
    }
    out
}

/// Loads what may be shown of the identity matched in step one ([`Identity::shown`]).
pub async fn identity(app: &App, token: &str) -> ServiceResult<Identity> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(flows::load::<Identity>(&mut conn, token, "register", app.clock.now()).await?.data.shown())
}

/// The whole record the flow holds, for creating the account.
async fn full_identity(app: &App, token: &str) -> ServiceResult<Identity> {
    let mut conn = app.db.pool().acquire().await?;
    Ok(flows::load::<Identity>(&mut conn, token, "register", app.clock.now()).await?.data)
}

/// Step two as typed.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct DetailsInput {
    /// Mobile phone.
    #[serde(default)]
    pub phone: String,
    /// Email address.
    #[serde(default)]
    pub email: String,
    /// New password.
    #[serde(default)]
    pub password: String,
    /// The same password again.
    #[serde(default)]
    pub password_confirmation: String,
}

/// Result of step two: the verification flow.
#[derive(Debug)]
pub struct Created {
    /// Token of the verification flow.
    pub verify_token: String,
    /// Masked phone, to show where the code went.
    pub phone_masked: String,
    pub email_masked: String,
}

/// Step two: contacts and password; creates the (not yet active) account and sends both codes.
pub async fn complete(app: &App, token: &str, input: &DetailsInput, who: &Requester) -> ServiceResult<Created> {
    let identity = full_identity(app, token).await?;
    let mut problems = Problems::default();
    let phone = problems.check("phone", Phone::parse(&input.phone));
    let email = problems.check("email", Email::parse(&input.email));
    let context = [
        identity.first_name.as_str(),
        identity.other_names.as_str(),
        identity.surname.as_str(),
        identity.document_number.as_str(),
        email.as_ref().map_or("", Email::local_part),
    ];
    let password = match Password::new(&input.password, &context, &app.blocklist) {
        Ok(p) => Some(p),
        Err(problem) => {
            problems.add("password", problem.code());
            None
        }
    };
    if password.is_some() && input.password != input.password_confirmation {
        problems.add("password_confirmation", "password.mismatch");
    }
    problems.finish()?;
    let (Some(phone), Some(email), Some(password)) = (phone, email, password) else {
        return Err(ServiceError::Internal(anyhow::anyhow!("parsed fields missing")));
    };
    codes::check_send_limits(app, &phone.e164(), &who.ip).await?;
    let hash = app.hasher.hash(password.expose().to_owned()).await?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    if accounts::by_email(&mut tx, email.as_str()).await?.is_some() {
        return Err(ServiceError::field("email", "email.taken"));
    }
    let account_id: huduma_domain::AccountId = new_id();
    let new = accounts::NewAccount {
        account_type: identity.account_type,
        document_kind: &identity.document_kind,
        document_number: &identity.document_number,
        nationality: identity.nationality.as_deref(),
        first_name: &identity.first_name,
        other_names: &identity.other_names,
        surname: &identity.surname,
        date_of_birth: Some(&identity.date_of_birth),
        kra_pin: identity.kra_pin.as_deref(),
        phone: &phone.e164(),
        email: email.as_str(),
        password_hash: &hash,
        language: who.language,
    };
    if let Err(err) = accounts::insert(&mut tx, &account_id, &new, now).await {
        // Two tabs submitting at once: the database decides, and the loser is told plainly.
        return Err(if is_unique_violation(&err) { ServiceError::field("email", "account.exists") } else { err.into() });
    }
    crate::store::flows::delete(&mut tx, &crate::crypto::hash_token(token)).await?;
    let verify_token =
        super::verification::begin(app, &mut tx, &account_id, &phone.e164(), email.as_str(), true, true, who.language).await?;
    tx.commit().await?;
    app.outbox_wakeup.notify_one();
    Ok(Created { verify_token, phone_masked: phone.masked(), email_masked: email.masked() })
}

/// Sends a code over `channel` again during verification.
pub fn channel_purpose(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "verify_phone",
        Channel::Email => "verify_email",
    }
}

/// Convenience for the verification module.
pub fn code_request<'a>(flow_hash: &'a str, channel: Channel, destination: &'a str, language: huduma_domain::Language) -> CodeRequest<'a> {
    CodeRequest { flow_hash, purpose: channel_purpose(channel), channel, destination, language }
}

#[cfg(test)]
mod tests {
    use super::title_case;

    #[test]
    fn capitals_become_title_case() {
        assert_eq!(title_case("NG'ANG'A"), "Ng'ang'a");
        assert_eq!(title_case("ARAP KOECH-RONO"), "Arap Koech-Rono");
        assert_eq!(title_case("McDonald"), "McDonald");
    }
}
