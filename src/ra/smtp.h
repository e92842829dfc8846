// The SMTP sender behind NotificationDelivery (internal to ra): an RFC 5321 client over Boost.Asio
// (EHLO, STARTTLS per RFC 3207, AUTH PLAIN per RFC 4616, MAIL FROM, RCPT TO, DATA with
// dot-stuffing, QUIT; every step under the configured timeout) and the RFC 5322 / MIME message it
// sends (UTF-8 text, RFC 2047 encoded Subject).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "yinxin/base/clock.h"
#include "yinxin/base/result.h"
#include "yinxin/ra/notify.h"

namespace yinxin::ra::smtp {

// An ASCII addr-spec without display name, comments or quoting: local@domain, printable
// characters other than space, '<', '>', '(', ')', ',', ';', ':', '\\', '"', '[', ']'.
bool valid_mailbox(std::string_view address) noexcept;
// Well-formed UTF-8 without C0 controls other than tab, CR and LF (`multi_line`) or tab only.
bool valid_utf8_text(std::string_view text, bool multi_line) noexcept;

struct MailMessage {
    std::int64_t id = 0;  // the notification: X-Yinxin-Notification-Id and the Message-ID
    std::string event;    // X-Yinxin-Event
    std::string from;
    std::string to;
    std::string subject;   // UTF-8
    std::string body;      // UTF-8 text; LF or CRLF line ends
    TimePoint date;        // Date:
    TimePoint created_at;  // with id, the Message-ID: the same for every attempt
};

// "Mon, 02 Feb 2026 03:04:05 +0000" (RFC 5322 3.3, UTC, English names whatever the locale).
std::string rfc5322_date(TimePoint t);
// The Subject value: as is when it is short printable ASCII, otherwise RFC 2047 "B" encoded words
// of whole UTF-8 characters, folded so no line exceeds 76 characters (RFC 2047 2).
std::string encode_subject(std::string_view utf8);
// The message (headers, blank line, body), CRLF line ends. Body: 7bit when it is ASCII with
// lines of at most 998 octets (RFC 5322 2.1.1), 8bit when `eight_bit` (the server offered
// 8BITMIME, RFC 6152) and the lines are short enough, base64 otherwise.
std::string build_message(const MailMessage& m, bool eight_bit);
// RFC 5321 4.5.2: a line starting with '.' gets one more; the result ends with CRLF.
std::string dot_stuff(std::string_view message);

// One message over a fresh connection. ra.delivery_failed with the step and the server's answer
// (or the network error); a password is never part of a message. `server_failure` (when given) is
// set when the failure came before the server considered the recipient (connection, TLS, EHLO,
// AUTH, MAIL FROM): the next message would fail the same way.
Status send_mail(const SmtpConfig& config, const MailMessage& m, std::string_view ehlo_name,
                 bool* server_failure = nullptr);

}  // namespace yinxin::ra::smtp
