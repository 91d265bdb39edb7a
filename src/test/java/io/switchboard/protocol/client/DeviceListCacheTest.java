package io.switchboard.protocol.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.sandbox.server.SandboxOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Device lists are asked once, not per text; a device the recipient links later is announced by the
 * sandbox ({@code <notification type="devices">}) and the next text reaches it too. The sandbox
 * counts a text that leaves out a device linked earlier, and does catch a client that kept a stale list.
 */
class DeviceListCacheTest {

    private static final String SENDER = "15550006001";
    private static final String RECIPIENT = "15550006002";
    private static final String RECIPIENT_JID = RECIPIENT + "@s.whatsapp.net";

    @Test
    void devicesAreAskedOnceAndFollowTheirChanges() throws Exception {
        try (SandboxHarness harness = new SandboxHarness(SandboxOptions.DEFAULTS)) {
            WhatsAppClient sender = linked(harness, SENDER, new CopyOnWriteArrayList<>());
            List<InboundMessage> first = new CopyOnWriteArrayList<>();
            linked(harness, RECIPIENT, first);
            long queries = harness.sandbox.observations().deviceQueries();
            for (String text : List.of("one", "two", "three")) {
                send(sender, text);
            }
            assertEquals(1, harness.sandbox.observations().deviceQueries() - queries, "three texts, one device query");
            await().atMost(Duration.ofSeconds(5)).until(() -> first.size() == 3);

            // The recipient links a second device: the sender is told and asks again before its next text.
            List<InboundMessage> second = new CopyOnWriteArrayList<>();
            linked(harness, RECIPIENT, second);
            await("the device notification reached the sender").atMost(Duration.ofSeconds(5))
                    .until(() -> !sender.deviceLists.knows(RECIPIENT_JID));
            send(sender, "four");
            await().atMost(Duration.ofSeconds(5)).until(() -> first.size() == 4 && second.size() == 1);
            assertEquals("four", second.get(0).text());
            assertEquals(2, harness.sandbox.observations().deviceQueries() - queries);
            assertEquals(0, harness.sandbox.observations().messagesMissingDevices());

            // A client that kept a stale list (as if it had missed the notification) is caught by the sandbox.
            List<String> known = sender.deviceLists.devicesOf(List.of(RECIPIENT_JID), Map.of());
            linked(harness, RECIPIENT, new CopyOnWriteArrayList<>());
            await().atMost(Duration.ofSeconds(5)).until(() -> !sender.deviceLists.knows(RECIPIENT_JID));
            sender.deviceLists.learned(List.of(RECIPIENT_JID), known, List.of(RECIPIENT_JID));
            Thread.sleep(1200);
            send(sender, "five");
            assertEquals(1, harness.sandbox.observations().messagesMissingDevices(), "the third device was left out");
        }
    }

    private static WhatsAppClient linked(SandboxHarness harness, String phone, List<InboundMessage> inbox) throws Exception {
        EventRecorder events = new EventRecorder();
        WhatsAppClient client = new WhatsAppClient(harness.vertx, harness.clientOptions(), Credentials.fresh(), events,
                SignalStore.inMemory(inbox::add), events::accept);
        client.start();
        harness.sandbox.scan(events.next(ClientEvent.QrCode.class, 10).text(), phone).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        events.next(ClientEvent.Connected.class, 10);
        return client;
    }

    private static void send(WhatsAppClient sender, String text) throws Exception {
        WhatsAppClient.Sent sent = sender.sendText(RECIPIENT, text).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(sent.at() != null);
    }
}
