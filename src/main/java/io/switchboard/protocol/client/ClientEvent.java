package io.switchboard.protocol.client;

import java.time.Instant;
import java.util.List;

/** What a {@link WhatsAppClient} reports, in order, on its own context. */
public sealed interface ClientEvent permits ClientEvent.QrCode, ClientEvent.Paired, ClientEvent.Connected,
        ClientEvent.Restarting, ClientEvent.Disconnected, ClientEvent.Undecryptable, ClientEvent.Receipt, ClientEvent.Retry,
        ClientEvent.Presence {

    /**
     * Someone's presence: {@code available}/{@code unavailable} (with when last seen, if shared) for
     * a subscribed contact, or a chat state ({@code composing}, {@code recording}, {@code paused}).
     */
    record Presence(String jid, String state, Instant lastSeen, Instant at) implements ClientEvent {
    }

    /** Show this QR text until {@code expiresAt}; {@code index} of {@code total} refs. */
    record QrCode(String text, Instant expiresAt, int index, int total) implements ClientEvent {
    }

    /** The phone linked this device; {@code credentials} were stored before it was acknowledged. */
    record Paired(Credentials credentials) implements ClientEvent {
    }

    /** Logged in and ready. */
    record Connected(String deviceJid, String lid) implements ClientEvent {
    }

    /** The server asked for a restart (515); the client reconnects by itself and reports Connected again. */
    record Restarting(String detail) implements ClientEvent {
    }

    /** A message that could not be decrypted or stored (acknowledged, not delivered); {@code reason} says why. */
    record Undecryptable(String id, String sender, String reason) implements ClientEvent {
    }

    /**
     * A device reports on messages we sent: {@code type} is {@code delivery}, {@code read},
     * {@code played}, {@code sender} (our own device got its copy)…; {@code group} the group's jid for
     * a receipt from a member of a group we wrote to (else null), {@code from} then the member's device.
     */
    record Receipt(List<String> ids, String from, String type, Instant at, String group) implements ClientEvent {

        public Receipt(List<String> ids, String from, String type, Instant at) {
            this(ids, from, type, at, null);
        }
    }

    /**
     * The retry path ran: {@code ours} — we asked {@code device} to send message {@code id} again
     * (attempt {@code count}); otherwise {@code device} asked us and we sent it again.
     */
    record Retry(String id, String device, int count, boolean ours) implements ClientEvent {
    }

    /** The client stopped; it will not reconnect by itself (a restart after 515 is not reported). */
    record Disconnected(DisconnectReason reason, String detail) implements ClientEvent {
    }
}
