package io.switchboard.web;

import java.util.List;

/**
 * Every stable {@code reason} a problem answer may carry: the enum of the OpenAPI document's
 * {@code Problem} schema. Adding one is a compatible change; renaming or removing one is not
 * (README, "API versioning"). {@code ProblemReasonsTest} finds every reason the code answers with
 * and requires it here.
 */
public final class ProblemReasons {

    public static final List<String> ALL = List.of(
            // any operation
            "unauthorized", "forbidden", "admin-required", "organization-forbidden", "invalid-path-parameter",
            "invalid-body", "missing-body", "malformed-json", "invalid-query", "invalid-paging", "body-too-large", "length-required",
            "not-found", "method-not-allowed", "not-acceptable", "unsupported-media-type", "bad-request",
            "database-unavailable", "server-error",
            // organizations and the WhatsApp connection
            "organization-not-found", "already-connected", "no-linking-in-progress", "reconnecting", "linking-failed",
            "client-outdated", "owner-unavailable",
            "owner-busy", "credentials-unreadable", "rate-limited", "too-many-streams", "invalid-last-event-id",
            // messages
            "message-not-found", "idempotency-key-reused", "invalid-idempotency-key", "queue-full",
            "media-too-large", "unsupported-media", "media-not-found", "media-unavailable", "media-corrupt",
            "media-download-failed", "media-url-failed", "not-own-message", "not-sent-yet", "edit-window-closed",
            "revoke-window-closed",
            // contacts
            "not-connected", "check-failed",
            // groups
            "not-group-admin", "not-group-member", "group-not-found", "already-group-member", "invalid-group-field",
            "invite-revoked", "group-request-failed",
            // webhooks
            "webhook-not-found", "too-many-webhooks", "url-not-allowed", "delivery-not-found", "delivery-in-progress",
            // the sandbox (dev and test)
            "unknown-device", "unknown-group", "unknown-ref", "expired-ref", "unreadable-qr", "scan-timeout", "pairing-timeout",
            "pairing-failed", "unknown-phone");

    private ProblemReasons() {
    }
}
