package io.switchboard.session;

import io.switchboard.messaging.MessagesConfig;
import io.switchboard.protocol.client.ClientOptions;
import io.switchboard.session.store.LeaseStore;
import io.switchboard.session.store.MessageStore;
import io.switchboard.session.store.SessionStore;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;

/** What every session of this replica shares: stores, this replica's name, timing policy, the client's options. */
record SessionContext(String replicaId, SessionStore store, LeaseStore leases, Vertx vertx, Clock clock,
        SessionConfig config, ReconnectPolicy reconnectPolicy, ClientOptionsFactory clientOptions,
        WebVersions versions, MessageStore messages, SessionMetrics metrics,
        io.switchboard.messaging.OutboxStore outbox, MessagesConfig messaging,
        io.switchboard.events.EventStore events, io.switchboard.messaging.MediaSender media,
        io.switchboard.session.store.ContactStore contacts, io.switchboard.session.store.GroupStore groups) {

    /** The client's options, announcing the newest WhatsApp Web version known now. */
    ClientOptions options() {
        return clientOptions.options().withWebVersion(versions.current());
    }

    Duration lease() {
        return config.ownershipLease();
    }

    /** How long a claim may be trusted after the statement that took or renewed it was sent: ⅔ of the lease. */
    long trustNanos() {
        return lease().toNanos() * 2 / 3;
    }
}
