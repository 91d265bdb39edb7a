package io.switchboard.protocol.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.sandbox.server.LinkedDevice;
import io.switchboard.sandbox.server.SandboxOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Our client against the sandbox: pairing, login, keepalive and every way a session ends. */
class WhatsAppClientTest {

    private static WhatsAppClient client(SandboxHarness harness, ClientOptions options, Credentials credentials,
            EventRecorder recorder) {
        return new WhatsAppClient(harness.vertx, options, credentials, recorder, recorder::accept);
    }

    /** Pairs a fresh client through a scan and waits until it is logged in. */
    private static Paired pair(SandboxHarness harness, String phone) throws Exception {
        EventRecorder recorder = new EventRecorder();
        WhatsAppClient client = client(harness, harness.clientOptions(), Credentials.fresh(), recorder);
        client.start();
        ClientEvent.QrCode qr = recorder.next(ClientEvent.QrCode.class, 10);
        assertTrue(qr.text().startsWith(WhatsAppClient.QR_LINK_PREFIX));
        LinkedDevice device = harness.sandbox.scan(qr.text(), phone)
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        ClientEvent.Paired paired = recorder.next(ClientEvent.Paired.class, 10);
        assertEquals(device.deviceJid(), paired.credentials().account().orElseThrow().deviceJid());
        assertEquals(1, recorder.stored.size(), "credentials stored before the pairing was acknowledged");
        ClientEvent.Connected connected = recorder.next(ClientEvent.Connected.class, 10);
        assertEquals(device.deviceJid(), connected.deviceJid());
        assertEquals(device.lid(), connected.lid());
        return new Paired(client, recorder, device);
    }

    private record Paired(WhatsAppClient client, EventRecorder recorder, LinkedDevice device) {
    }

    @Test
    void pairsRestartsLogsInAndStaysAlive() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            Paired paired = pair(harness, "15550000001");
            Thread.sleep(2500); // several keepalive intervals of 500 ms
            assertTrue(paired.client.isConnected());
            assertTrue(harness.sandbox.devices().get(0).online());
            assertEquals(PreKeyUpload.BATCH, harness.sandbox.devices().get(0).preKeys(), "pre-keys topped up after login");
            Credentials latest = paired.recorder.stored.get(paired.recorder.stored.size() - 1);
            assertEquals(PreKeyUpload.BATCH, latest.preKeys().size(), "uploaded pre-keys were stored first");
            assertEquals(PreKeyUpload.BATCH + 1, latest.nextPreKeyId());
            harness.sandbox.disconnect(paired.device.deviceJid(), 401);
            ClientEvent.Disconnected end = paired.recorder.next(ClientEvent.Disconnected.class, 10);
            assertEquals(DisconnectReason.LOGGED_OUT, end.reason());
            assertTrue(harness.sandbox.devices().isEmpty());
        }
    }

    @Test
    void logsInWithStoredCredentialsWithoutQr() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            Paired paired = pair(harness, "15550000002");
            paired.client.close();
            assertEquals(DisconnectReason.CLIENT_CLOSED, paired.recorder.next(ClientEvent.Disconnected.class, 5).reason());
            Credentials stored = Credentials.fromJson(paired.recorder.stored.get(0).toJson());

            EventRecorder recorder = new EventRecorder();
            WhatsAppClient again = client(harness, harness.clientOptions(), stored, recorder);
            again.start();
            ClientEvent first = recorder.events.poll(10, TimeUnit.SECONDS);
            assertTrue(first instanceof ClientEvent.Connected, "expected a login without QR, got " + first);
            Thread.sleep(500);
            assertEquals(PreKeyUpload.BATCH, harness.sandbox.devices().get(0).preKeys(), "enough pre-keys: no second upload");
            again.logout().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertTrue(harness.sandbox.devices().isEmpty(), "logout unlinks the device");

            EventRecorder refused = new EventRecorder();
            client(harness, harness.clientOptions(), stored, refused).start();
            assertEquals(DisconnectReason.LOGGED_OUT, refused.next(ClientEvent.Disconnected.class, 10).reason());
        }
    }

    @Test
    void rotatesQrCodesThenReportsExhaustion() throws Exception {
        SandboxOptions options = SandboxHarness.fastQr(3, Duration.ofMillis(1200), Duration.ofMillis(600));
        try (SandboxHarness harness = new SandboxHarness(options)) {
            EventRecorder recorder = new EventRecorder();
            ClientOptions fast = harness.clientOptions().withTimings(Duration.ofMillis(500), Duration.ofSeconds(3),
                    Duration.ofMillis(1200), Duration.ofMillis(600));
            client(harness, fast, Credentials.fresh(), recorder).start();
            ClientEvent.QrCode first = recorder.next(ClientEvent.QrCode.class, 10);
            ClientEvent.QrCode second = recorder.next(ClientEvent.QrCode.class, 5);
            ClientEvent.QrCode third = recorder.next(ClientEvent.QrCode.class, 5);
            assertEquals(0, first.index());
            assertEquals(2, third.index());
            assertFalse(first.text().equals(second.text()));
            assertTrue(second.expiresAt().isAfter(first.expiresAt()));
            // The first code has expired by now: the phone cannot use it.
            Throwable expired = harness.sandbox.scan(first.text(), "15550000003").toCompletionStage()
                    .toCompletableFuture().handle((ok, error) -> error).get(5, TimeUnit.SECONDS);
            assertTrue(expired != null && expired.getMessage().contains("expired"), String.valueOf(expired));
            ClientEvent.Disconnected end = recorder.next(ClientEvent.Disconnected.class, 5);
            assertEquals(DisconnectReason.QR_REFS_EXHAUSTED, end.reason());
        }
    }

    @Test
    void rejectsAServerWithAnotherTrustRoot() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            EventRecorder recorder = new EventRecorder();
            ClientOptions wrongRoot = harness.clientOptions().withEndpoint(harness.url(),
                    Curve25519.generateKeyPair().publicKey());
            client(harness, wrongRoot, Credentials.fresh(), recorder).start();
            ClientEvent.Disconnected end = recorder.next(ClientEvent.Disconnected.class, 10);
            assertEquals(DisconnectReason.CERTIFICATE_REJECTED, end.reason());
            assertTrue(end.detail().contains("trust root"), end.detail());
        }
    }

    @Test
    void outdatedVersionIsRefusedWith405() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            EventRecorder recorder = new EventRecorder();
            client(harness, harness.clientOptions().withWebVersion(new WebVersion(2, 2412, 54)), Credentials.fresh(), recorder)
                    .start();
            assertEquals(DisconnectReason.CLIENT_OUTDATED, recorder.next(ClientEvent.Disconnected.class, 10).reason());
        }
    }

    @Test
    void mapsEveryServerEnding() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            Paired paired = pair(harness, "15550000004");
            Credentials stored = paired.recorder.stored.get(0);

            harness.sandbox.disconnect(paired.device.deviceJid(), 515);
            assertTrue(paired.recorder.next(ClientEvent.Connected.class, 10) != null, "515 restarts by itself");

            harness.sandbox.drop(paired.device.deviceJid());
            assertEquals(DisconnectReason.CONNECTION_LOST, paired.recorder.next(ClientEvent.Disconnected.class, 10).reason());

            for (int code : new int[] {440, 403, 503, 500, 428, 408}) {
                EventRecorder recorder = new EventRecorder();
                client(harness, harness.clientOptions(), stored, recorder).start();
                recorder.next(ClientEvent.Connected.class, 10);
                harness.sandbox.disconnect(paired.device.deviceJid(), code);
                ClientEvent.Disconnected end = recorder.next(ClientEvent.Disconnected.class, 10);
                assertEquals(DisconnectReason.ofCode(code), end.reason(), "code " + code);
            }
        }
    }
}
