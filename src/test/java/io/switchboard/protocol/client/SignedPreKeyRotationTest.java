package io.switchboard.protocol.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.sandbox.server.SandboxOptions;
import io.switchboard.sandbox.server.SandboxServer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A signed pre-key older than a week is replaced at login: stored first (the old one kept as the
 * previous), then rotated on the server, which checks its signature; sessions started from the new
 * bundle open, and the credentials survive their JSON form with both keys.
 */
class SignedPreKeyRotationTest {

    @Test
    void anOldSignedPreKeyIsRotatedAtLogin() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            EventRecorder first = new EventRecorder();
            WhatsAppClient a = new WhatsAppClient(harness.vertx, harness.clientOptions(), Credentials.fresh(), first, first::accept);
            a.start();
            harness.sandbox.scan(first.next(ClientEvent.QrCode.class, 10).text(), "15550004001")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            first.next(ClientEvent.Connected.class, 10);
            await("a fresh key is not rotated").during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> signedPreKeyId(harness.sandbox, "15550004001") == 1);
            a.close();
            first.next(ClientEvent.Disconnected.class, 5);

            Credentials stored = first.stored.get(first.stored.size() - 1);
            Credentials.SignedPreKey current = stored.signedPreKey();
            Credentials aged = new Credentials(stored.noiseKey(), stored.identityKey(), new Credentials.SignedPreKey(current.id(),
                    current.keyPair(), current.signature(), 0), stored.registrationId(), stored.advSecret(), stored.account(),
                    stored.preKeys(), stored.nextPreKeyId(), Optional.empty());
            EventRecorder second = new EventRecorder();
            List<InboundMessage> inbox = new CopyOnWriteArrayList<>();
            WhatsAppClient again = new WhatsAppClient(harness.vertx, harness.clientOptions(), aged, second,
                    SignalStore.inMemory(inbox::add), second::accept);
            again.start();
            second.next(ClientEvent.Connected.class, 10);
            await("the server gets the new signed pre-key").atMost(Duration.ofSeconds(5))
                    .until(() -> signedPreKeyId(harness.sandbox, "15550004001") == 2);
            Credentials rotated = second.stored.stream().filter(c -> c.signedPreKey().id() == 2).findFirst().orElseThrow();
            assertEquals(1, rotated.previousSignedPreKey().orElseThrow().id(), "the old key is kept");
            assertTrue(rotated.signedPreKey().createdAt() > 0);
            assertEquals(java.util.Set.of(1, 2), rotated.signedPreKeyPairs().keySet());
            Credentials read = Credentials.fromJson(rotated.toJson());
            assertEquals(2, read.signedPreKey().id());
            assertEquals(1, read.previousSignedPreKey().orElseThrow().id());
            assertEquals(rotated.signedPreKey().createdAt(), read.signedPreKey().createdAt());

            // A peer starts a session from the new bundle: it opens with the rotated key.
            EventRecorder peerEvents = new EventRecorder();
            WhatsAppClient peer = new WhatsAppClient(harness.vertx, harness.clientOptions(), Credentials.fresh(), peerEvents,
                    peerEvents::accept);
            peer.start();
            harness.sandbox.scan(peerEvents.next(ClientEvent.QrCode.class, 10).text(), "15550004002")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            peerEvents.next(ClientEvent.Connected.class, 10);
            Thread.sleep(300);
            peer.sendText("15550004001", "after the rotation").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            await("the text on the new signed pre-key decrypts").atMost(Duration.ofSeconds(5)).until(() -> !inbox.isEmpty());
            assertEquals("after the rotation", inbox.get(0).text());
        }
    }

    private static int signedPreKeyId(SandboxServer sandbox, String phone) {
        return sandbox.devices().stream().filter(d -> phone.equals(d.phone())).findFirst().orElseThrow().signedPreKeyId();
    }
}
