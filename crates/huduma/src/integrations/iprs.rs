//! Client of the Integrated Population Registration System (IPRS), the national register
//! of births, IDs and aliens. The service is SOAP: `GetDataByIdCard(log, pass, id_number,
//! serial_number)` and `GetDataByAlienCard(…)`, answering with the fields `ErrorCode`,
//! `ErrorMessage`, `ErrorOcurred` (sic), `First_Name`, `Other_Name`, `Surname`, `Gender`,
//! `Date_of_Birth`, `ID_Number`, `Serial_Number`, `Citizenship`, `Place_of_Birth`,
//! `Date_of_Issue`, `Pin`, `Photo` (see shared/reference/cards-and-identity.md).

use crate::config::RegisterConfig;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::time::Duration;

/// Which register operation to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterDocument {
    /// `GetDataByIdCard`.
    IdCard,
    /// `GetDataByAlienCard`.
    AlienCard,
}

impl RegisterDocument {
    /// The SOAP operation name.
    pub fn operation(self) -> &'static str {
        match self {
            Self::IdCard => "GetDataByIdCard",
            Self::AlienCard => "GetDataByAlienCard",
        }
    }

    /// Parses an operation name.
    pub fn from_operation(name: &str) -> Option<Self> {
        [Self::IdCard, Self::AlienCard].into_iter().find(|d| d.operation() == name)
    }
}

/// A person as the register knows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RegisterPerson {
    pub first_name: String,
    pub other_name: String,
    pub surname: String,
    pub gender: String,
    /// `Date_of_Birth`, normalised to `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub id_number: String,
    pub citizenship: String,
    /// `Pin` (KRA PIN), possibly empty.
    pub pin: String,
    /// `Date_of_Death` when the register records a death (an extension some registers
    /// return; absent means alive).
    pub date_of_death: Option<String>,
}

/// Why a lookup failed (not "not found", which is `Ok(None)`).
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The register could not be reached or answered nonsense.
    #[error("population register unavailable: {0}")]
    Unavailable(String),
}

/// The production IPRS client.
#[derive(Clone, Debug)]
pub struct IprsClient {
    http: reqwest::Client,
    config: RegisterConfig,
}

impl IprsClient {
    /// Builds a client with a short timeout: registration waits on it.
    pub fn new(config: RegisterConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(15)).build()?;
        Ok(Self { http, config })
    }

    /// Looks a document up; `Ok(None)` when the register has no such record.
    pub async fn lookup(&self, document: RegisterDocument, number: &str) -> Result<Option<RegisterPerson>, RegisterError> {
        let body = request_envelope(document, &self.config.username, self.config.password.expose(), number);
        let response = self
            .http
            .post(&self.config.url)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", format!("\"http://tempuri.org/IServiceIPRS/{}\"", document.operation()))
            .body(body)
            .send()
            .await
            .map_err(|e| RegisterError::Unavailable(e.to_string()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| RegisterError::Unavailable(e.to_string()))?;
        if !status.is_success() {
            return Err(RegisterError::Unavailable(format!("HTTP {status}")));
        }
        parse_response(&text)
    }
}

/// Escapes text for an XML element.
pub fn xml_escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// The SOAP request for one lookup.
pub fn request_envelope(document: RegisterDocument, log: &str, pass: &str, number: &str) -> String {
    let op = document.operation();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:tem=\"http://tempuri.org/\">\
         <soap:Header/><soap:Body><tem:{op}><tem:log>{}</tem:log><tem:pass>{}</tem:pass>\
         <tem:id_number>{}</tem:id_number><tem:serial_number></tem:serial_number></tem:{op}></soap:Body></soap:Envelope>",
        xml_escape(log),
        xml_escape(pass),
        xml_escape(number)
    )
}

/// Collects the text of every leaf element, keyed by local name (namespace prefix dropped).
pub fn leaf_texts(xml: &str) -> Result<HashMap<String, String>, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut fields = HashMap::new();
    let mut current: Option<String> = None;
    let mut text = String::new();
    loop {
        match reader.read_event()? {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                // Containers (the operation, the result) are recorded too, empty.
                fields.entry(name.clone()).or_insert_with(String::new);
                current = Some(name);
                text.clear();
            }
            Event::Empty(empty) => {
                fields.entry(String::from_utf8_lossy(empty.local_name().as_ref()).into_owned()).or_insert_with(String::new);
            }
            Event::Text(chunk) => text.push_str(&chunk.decode().map_err(quick_xml::Error::from)?),
            Event::CData(chunk) => text.push_str(&chunk.decode().map_err(quick_xml::Error::from)?),
            // Entities arrive as their own events: predefined ones and character references.
            Event::GeneralRef(reference) => {
                if let Some(c) = reference.resolve_char_ref()? {
                    text.push(c);
                } else {
                    let name = reference.decode().map_err(quick_xml::Error::from)?;
                    let resolved = quick_xml::escape::resolve_predefined_entity(&name).unwrap_or_default();
                    text.push_str(resolved);
                }
            }
            Event::End(_) => {
                if let Some(name) = current.take() {
                    fields.insert(name, text.trim().to_owned());
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(fields)
}

/// Normalises the register's dates (`1990-04-12`, `12/04/1990 00:00:00`) to ISO.
fn normalise_date(raw: &str) -> String {
    let date_part = raw.split([' ', 'T']).next().unwrap_or("");
    if let [d, m, y] = date_part.split('/').collect::<Vec<_>>()[..] {
        return format!("{y:0>4}-{m:0>2}-{d:0>2}");
    }
    date_part.to_owned()
}

/// Reads a lookup response.
pub fn parse_response(xml: &str) -> Result<Option<RegisterPerson>, RegisterError> {
    let fields = leaf_texts(xml).map_err(|e| RegisterError::Unavailable(format!("malformed XML: {e}")))?;
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    if fields.contains_key("Fault") || fields.contains_key("faultstring") {
        return Err(RegisterError::Unavailable(format!("SOAP fault: {}", get("faultstring"))));
    }
    if get("ErrorOcurred").eq_ignore_ascii_case("true") {
        // The register reports "no record" as an error; anything else is an outage.
        let message = get("ErrorMessage");
        if get("ErrorCode") == "1" || message.to_lowercase().contains("not found") {
            return Ok(None);
        }
        return Err(RegisterError::Unavailable(format!("register error {}: {message}", get("ErrorCode"))));
    }
    if get("ID_Number").is_empty() {
        return Err(RegisterError::Unavailable("answer without ID_Number".into()));
    }
    let death = get("Date_of_Death");
    Ok(Some(RegisterPerson {
        first_name: get("First_Name"),
        other_name: get("Other_Name"),
        surname: get("Surname"),
        gender: get("Gender"),
        date_of_birth: normalise_date(&get("Date_of_Birth")),
        id_number: get("ID_Number"),
        citizenship: get("Citizenship"),
        pin: get("Pin"),
        date_of_death: (!death.is_empty()).then(|| normalise_date(&death)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_found_person_with_slash_dates() {
        let xml = "<s:Envelope xmlns:s=\"x\"><s:Body><GetDataByIdCardResponse><GetDataByIdCardResult>\
            <ErrorCode/><ErrorMessage/><ErrorOcurred>false</ErrorOcurred><First_Name>JOHN</First_Name>\
            <Other_Name>NG&apos;ANG&apos;A</Other_Name><Surname>Kamau</Surname><Gender>M</Gender>\
            <Date_of_Birth>5/3/1980 00:00:00</Date_of_Birth><ID_Number>1234567</ID_Number><Citizenship>Kenyan</Citizenship>\
            <Pin>A001234567B</Pin></GetDataByIdCardResult></GetDataByIdCardResponse></s:Body></s:Envelope>";
        let person = parse_response(xml).expect("ok").expect("found");
        assert_eq!(person.other_name, "NG'ANG'A");
        assert_eq!(person.date_of_birth, "1980-03-05");
        assert_eq!(person.date_of_death, None);
    }

    #[test]
    fn not_found_is_none_and_garbage_is_an_outage() {
        let xml = "<Envelope><Body><R><ErrorCode>1</ErrorCode><ErrorMessage>The provided ID Number was not found.</ErrorMessage>\
            <ErrorOcurred>true</ErrorOcurred></R></Body></Envelope>";
        assert_eq!(parse_response(xml).expect("ok"), None);
        assert!(parse_response("<html>proxy error").is_err());
        assert!(parse_response("<Envelope><Body><Fault><faultstring>login</faultstring></Fault></Body></Envelope>").is_err());
    }

    #[test]
    fn requests_escape_their_input() {
        let xml = request_envelope(RegisterDocument::IdCard, "u<", "p&", "123");
        assert!(xml.contains("u&lt;") && xml.contains("p&amp;") && xml.contains("<tem:GetDataByIdCard>"));
        let fields = leaf_texts(&xml).expect("parses");
        assert_eq!(fields.get("id_number").map(String::as_str), Some("123"));
    }
}
