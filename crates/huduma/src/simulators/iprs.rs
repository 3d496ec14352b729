//! The population register (IPRS) simulator: the SOAP operations `GetDataByIdCard` and
//! `GetDataByAlienCard` with the register's field names and date format, over the
//! synthetic people in `assets/sandbox/people.json`.

use super::Simulators;
use crate::integrations::iprs::{RegisterDocument, leaf_texts, xml_escape};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The synthetic population register.
pub const PEOPLE_JSON: &str = include_str!("../../assets/sandbox/people.json");

/// One synthetic person, with the register's field names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Person {
    #[serde(rename = "kind")]
    kind: String,
    #[serde(rename = "ID_Number")]
    id_number: String,
    #[serde(rename = "Serial_Number")]
    serial_number: String,
    #[serde(rename = "First_Name")]
    first_name: String,
    #[serde(rename = "Other_Name")]
    other_name: String,
    surname: String,
    gender: String,
    #[serde(rename = "Date_of_Birth")]
    date_of_birth: String,
    citizenship: String,
    #[serde(rename = "Place_of_Birth")]
    place_of_birth: String,
    #[serde(rename = "Date_of_Issue")]
    date_of_issue: String,
    pin: String,
    #[serde(rename = "Date_of_Death")]
    date_of_death: Option<String>,
}

fn people() -> &'static HashMap<(String, String), Person> {
    static PEOPLE: OnceLock<HashMap<(String, String), Person>> = OnceLock::new();
    PEOPLE.get_or_init(|| {
        let list: Vec<Person> = serde_json::from_str(PEOPLE_JSON).unwrap_or_default();
        list.into_iter().map(|p| ((p.kind.clone(), p.id_number.clone()), p)).collect()
    })
}

fn soap(body: &str) -> Response {
    let envelope = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>{body}</s:Body></s:Envelope>"
    );
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], envelope).into_response()
}

fn soap_fault(message: &str) -> Response {
    let mut response =
        soap(&format!("<s:Fault><faultcode>s:Client</faultcode><faultstring>{}</faultstring></s:Fault>", xml_escape(message)));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// `POST /sandbox/iprs`: the register's SOAP operations over the synthetic people.
pub(super) async fn answer(State(sim): State<Arc<Simulators>>, body: String) -> Response {
    let Ok(fields) = leaf_texts(&body) else { return soap_fault("Malformed request") };
    let Some(document) = fields.keys().find_map(|k| RegisterDocument::from_operation(k)) else {
        return soap_fault("Unknown operation");
    };
    let (log, pass) = (fields.get("log").cloned().unwrap_or_default(), fields.get("pass").cloned().unwrap_or_default());
    if log != "sandbox" || pass != sim.api_key {
        return soap_fault("Invalid login credentials");
    }
    let op = document.operation();
    let number = fields.get("id_number").cloned().unwrap_or_default();
    let kind = if document == RegisterDocument::IdCard { "citizen" } else { "resident" };
    let serial = fields.get("serial_number").cloned().unwrap_or_default();
    let found = people().get(&(kind.to_owned(), number.clone())).filter(|p| serial.is_empty() || p.serial_number == serial);
    let result = match found {
        None => {
            "<ErrorCode>1</ErrorCode><ErrorMessage>The provided ID Number was not found.</ErrorMessage><ErrorOcurred>true</ErrorOcurred>"
                .to_owned()
        }
        Some(p) => {
            let field = |name: &str, value: &str| format!("<{name}>{}</{name}>", xml_escape(value));
            [
                "<ErrorCode/><ErrorMessage/><ErrorOcurred>false</ErrorOcurred>".to_owned(),
                field("First_Name", &p.first_name.to_uppercase()),
                field("Other_Name", &p.other_name.to_uppercase()),
                field("Surname", &p.surname.to_uppercase()),
                field("Gender", &p.gender),
                field("Date_of_Birth", &slash_date(&p.date_of_birth)),
                field("ID_Number", &p.id_number),
                field("Serial_Number", &p.serial_number),
                field("Citizenship", &p.citizenship),
                field("Place_of_Birth", &p.place_of_birth),
                field("Date_of_Issue", &slash_date(&p.date_of_issue)),
                field("Pin", &p.pin),
                p.date_of_death.as_deref().map(|d| field("Date_of_Death", &slash_date(d))).unwrap_or_default(),
                "<Photo/>".to_owned(),
            ]
            .concat()
        }
    };
    soap(&format!("<{op}Response xmlns=\"http://tempuri.org/\"><{op}Result>{result}</{op}Result></{op}Response>"))
}

/// The register writes dates as `d/m/yyyy 00:00:00`; so does its simulator.
fn slash_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts[..] {
        [y, m, d] => format!("{}/{}/{y} 00:00:00", d.trim_start_matches('0'), m.trim_start_matches('0')),
        _ => String::new(),
    }
}
