//! The stable error codes every surface speaks: the JSON API's `code`, the code shown
//! small on error pages for the helpdesk, the field codes of forms. Each is worded under
//! `error.<code>` in `locales/en.toml` and `locales/sw.toml` (a test holds this list and
//! the locale files to the same set), and the API's OpenAPI document lists them as the
//! values of `ErrorCode`. The Pesaflow-compatible checkout speaks its own `checkout.*`
//! codes in its own shape, so they are not here.

/// Declares the enum, its string forms and the list of all codes from one table.
macro_rules! error_codes {
    ($($variant:ident = $code:literal,)*) => {
        /// A stable error code; serialised as its dotted string (`phone.invalid`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum ErrorCode {
            $(
                #[allow(missing_docs)]
                #[serde(rename = $code)]
                $variant,
            )*
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The code as written in messages, logs and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The code for its string form; `None` for a string that is not a code.
            pub fn parse(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    AccountExists = "account.exists",
    AccountTypeInvalid = "account_type.invalid",
    AlienNumberInvalid = "alien_number.invalid",
    ApplicationAnswerRequired = "application.answer_required",
    ApplicationDeclaration = "application.declaration",
    ApplicationFeeOption = "application.fee_option",
    ApplicationIncomplete = "application.incomplete",
    ApplicationNotDraft = "application.not_draft",
    ApplicationNotEligible = "application.not_eligible",
    ApplicationNotWithApplicant = "application.not_with_applicant",
    ApplicationStatusChanged = "application.status_changed",
    AppointmentDateInvalid = "appointment.date_invalid",
    AppointmentDatePast = "appointment.date_past",
    AppointmentOfficeRequired = "appointment.office_required",
    AppointmentTimeInvalid = "appointment.time_invalid",
    BodyContentType = "body.content_type",
    BodyInvalid = "body.invalid",
    BodyInvalidData = "body.invalid_data",
    BodyTooLarge = "body.too_large",
    CertificateNoTemplate = "certificate.no_template",
    CertificateNotFound = "certificate.not_found",
    ChannelInvalid = "channel.invalid",
    CodeExpired = "code.expired",
    CodeInvalid = "code.invalid",
    CodeResendTooSoon = "code.resend_too_soon",
    CodeTooManyAttempts = "code.too_many_attempts",
    CodeWrong = "code.wrong",
    ContactSame = "contact.same",
    CountyInvalid = "county.invalid",
    CsrfInvalid = "csrf.invalid",
    DateInvalid = "date.invalid",
    DocumentsStoreUnavailable = "documents.store_unavailable",
    EmailInvalid = "email.invalid",
    EmailRequired = "email.required",
    EmailTaken = "email.taken",
    FieldCharacters = "field.characters",
    FieldChoice = "field.choice",
    FieldNumber = "field.number",
    FieldPattern = "field.pattern",
    FieldRequired = "field.required",
    FieldTooLarge = "field.too_large",
    FieldTooLong = "field.too_long",
    FieldTooShort = "field.too_short",
    FieldTooSmall = "field.too_small",
    FlowExpired = "flow.expired",
    IdentifierInvalid = "identifier.invalid",
    IdentifierRequired = "identifier.required",
    Internal = "internal",
    Invalid = "invalid",
    KraPinInvalid = "kra_pin.invalid",
    LanguageInvalid = "language.invalid",
    LookupReceiptInvalid = "lookup.receipt_invalid",
    NameInvalid = "name.invalid",
    NationalIdInvalid = "national_id.invalid",
    NationalityInvalid = "nationality.invalid",
    NotFound = "not_found",
    PassportInvalid = "passport.invalid",
    PasswordCommon = "password.common",
    PasswordMismatch = "password.mismatch",
    PasswordPersonal = "password.personal",
    PasswordRepetitive = "password.repetitive",
    PasswordRequired = "password.required",
    PasswordTooLong = "password.too_long",
    PasswordTooShort = "password.too_short",
    PasswordWrong = "password.wrong",
    PathInvalid = "path.invalid",
    PaymentNotDue = "payment.not_due",
    PaymentUnavailable = "payment.unavailable",
    PhoneInvalid = "phone.invalid",
    QueryInvalid = "query.invalid",
    QueueAlreadyClaimed = "queue.already_claimed",
    QueueAssigneeUnknown = "queue.assignee_unknown",
    QueueBulkChooseAction = "queue.bulk_choose_action",
    QueueBulkCount = "queue.bulk_count",
    QueueBulkNotAllowed = "queue.bulk_not_allowed",
    QueueBulkNotFound = "queue.bulk_not_found",
    QueueNoteInvalid = "queue.note_invalid",
    QueueReassignSupervisorsOnly = "queue.reassign_supervisors_only",
    RateLimited = "rate_limited",
    ReferenceInvalid = "reference.invalid",
    RegisterDeceased = "register.deceased",
    RegisterMinor = "register.minor",
    RegisterNoMatch = "register.no_match",
    RegisterUnavailable = "register.unavailable",
    RequestInvalid = "request.invalid",
    RouteMethodNotAllowed = "route.method_not_allowed",
    RouteNotFound = "route.not_found",
    ServiceDatabaseUnavailable = "service.database_unavailable",
    SigninFailed = "signin.failed",
    StaffAgencyRequired = "staff.agency_required",
    StaffAgencyUnknown = "staff.agency_unknown",
    StaffEmailTaken = "staff.email_taken",
    StaffNameInvalid = "staff.name_invalid",
    StaffNotAllowed = "staff.not_allowed",
    StaffNotYourself = "staff.not_yourself",
    StaffRoleInvalid = "staff.role_invalid",
    TextControlCharacters = "text.control_characters",
    TicketApplicationUnknown = "ticket.application_unknown",
    TicketCategoryRequired = "ticket.category_required",
    TicketChanged = "ticket.changed",
    TicketClosed = "ticket.closed",
    TicketMessageInvalid = "ticket.message_invalid",
    TicketNameInvalid = "ticket.name_invalid",
    TicketRatingInvalid = "ticket.rating_invalid",
    TicketRatingNotNow = "ticket.rating_not_now",
    TicketReopenWindow = "ticket.reopen_window",
    TicketResolvedReopen = "ticket.resolved_reopen",
    TicketSubjectInvalid = "ticket.subject_invalid",
    TicketTooManyFiles = "ticket.too_many_files",
    TotpReplayed = "totp.replayed",
    TotpTooManyAttempts = "totp.too_many_attempts",
    TotpWrong = "totp.wrong",
    TrackDocumentRequired = "track.document_required",
    TrackNotFound = "track.not_found",
    Unauthorized = "unauthorized",
    Unavailable = "unavailable",
    UploadArchive = "upload.archive",
    UploadCorruptImage = "upload.corrupt_image",
    UploadCorruptPdf = "upload.corrupt_pdf",
    UploadEmpty = "upload.empty",
    UploadExecutable = "upload.executable",
    UploadHtml = "upload.html",
    UploadImageTooBig = "upload.image_too_big",
    UploadInfected = "upload.infected",
    UploadInterrupted = "upload.interrupted",
    UploadMissingFile = "upload.missing_file",
    UploadNotAllowed = "upload.not_allowed",
    UploadOtherImage = "upload.other_image",
    UploadPdfActiveContent = "upload.pdf_active_content",
    UploadPdfEncrypted = "upload.pdf_encrypted",
    UploadPdfExternalAction = "upload.pdf_external_action",
    UploadPdfHiddenFile = "upload.pdf_hidden_file",
    UploadPolyglot = "upload.polyglot",
    UploadScanUnavailable = "upload.scan_unavailable",
    UploadSpreadsheet = "upload.spreadsheet",
    UploadSvg = "upload.svg",
    UploadTooLarge = "upload.too_large",
    UploadTooLargeUnknown = "upload.too_large_unknown",
    UploadUnknownType = "upload.unknown_type",
    UploadWordDocument = "upload.word_document",
    VehicleInvalid = "vehicle.invalid",
    WorkflowNotFromThisState = "workflow.not_from_this_state",
    WorkflowNoteTooLong = "workflow.note_too_long",
    WorkflowQuestionRequired = "workflow.question_required",
    WorkflowReasonRequired = "workflow.reason_required",
    WorkflowRole = "workflow.role",
    WorkflowUnknownAction = "workflow.unknown_action",
    YearInvalid = "year.invalid",
}

impl ErrorCode {
    /// The code for a use case's code string. Every code a use case gives is in the
    /// table (the locale test finds each code in the sources and wants its wording, and
    /// the test below wants each worded code here); should one slip through, the caller
    /// still gets an answer, `internal`, and the log names the code.
    pub fn of(code: &str) -> Self {
        Self::parse(code).unwrap_or_else(|| {
            tracing::error!(code, "an error code missing from ErrorCode");
            ErrorCode::Internal
        })
    }
}

/// In the OpenAPI document: a string whose values are the codes (written by hand because
/// the derive does not see serde's renames through the table's macro).
impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A stable error code; `message` words it in the caller's language."))
            .enum_values(Some(Self::ALL.iter().map(|code| code.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;
    use std::collections::BTreeSet;

    #[test]
    fn the_codes_are_the_worded_errors_of_the_locales() {
        let en = crate::i18n::flatten(crate::i18n::EN_SOURCE).expect("English strings");
        let worded: BTreeSet<&str> = en
            .keys()
            .filter_map(|k| k.strip_prefix("error."))
            // The page's title, the label before a code, and a longer wording of
            // `field.required` are not codes; checkout codes belong to the checkout.
            .filter(|k| !["title", "code_label", "field.required_named"].contains(k) && !k.starts_with("checkout."))
            .collect();
        let listed: BTreeSet<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(listed, worded);
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
            assert_eq!(serde_json::to_value(code).expect("JSON"), serde_json::json!(code.as_str()));
        }
    }
}
