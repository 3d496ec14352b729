//! Documents people keep, worded in their language: an issued certificate's text (filled
//! in English and Kiswahili when it is issued, and stored so a later catalogue change never
//! alters it) and the certificate printed as a PDF with its QR code. Use cases hand over
//! the facts; the wording is here.

pub mod certificate;
