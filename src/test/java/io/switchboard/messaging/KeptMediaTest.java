package io.switchboard.messaging;

import static io.switchboard.support.Api.as;
import static io.switchboard.support.Api.linkedOrganization;
import static io.switchboard.support.Api.randomPhone;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.switchboard.support.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * switchboard.media.keep-received: a received file is copied (encrypted, as the media host served
 * it) once stored, and its download works after the media host forgot it and the phone no longer
 * has it either — where without the copy it is 504. A kept copy damaged at rest is 502, never bytes.
 */
@QuarkusTest
@TestProfile(KeptMediaTest.KeepReceived.class)
class KeptMediaTest {

    public static class KeepReceived implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("switchboard.media.keep-received", "true");
        }
    }

    @Inject
    Pool pool;

    @Test
    void aKeptCopyOutlivesTheMediaHostAndThePhone() throws Exception {
        String ours = randomPhone("1571");
        String theirs = randomPhone("1572");
        UUID org = linkedOrganization("Kept media", ours);
        byte[] pdf = MediaMessagesTest.pdf(1_200_000);
        as(Tokens.admin()).body(Map.of("to", ours, "media", Map.of("type", "document", "mimetype", "application/pdf",
                "fileName", "contract.pdf", "data", Base64.getEncoder().encodeToString(pdf))))
                .post("/sandbox/v1/accounts/" + theirs + "/messages").then().statusCode(202);
        String messages = "/api/v1/organizations/" + org + "/whatsapp/messages";
        await().atMost(Duration.ofSeconds(15)).until(() -> as(Tokens.admin()).get(messages + "?direction=in").then().extract()
                .jsonPath().getList("items").size() == 1);
        Map<String, Object> item = as(Tokens.admin()).get(messages + "?direction=in").then().extract().jsonPath()
                .<Map<String, Object>>getList("items").get(0);
        String id = (String) item.get("id");
        String url = (String) ((Map<?, ?>) item.get("media")).get("downloadUrl");
        await().atMost(Duration.ofSeconds(15)).until(() -> keptBlob(org, id) != null);

        // WhatsApp forgot the file and the phone deleted it: the copy answers.
        as(Tokens.admin()).body(Map.of("phone", theirs)).post("/sandbox/v1/media/expire").then().statusCode(200);
        as(Tokens.admin()).body(Map.of("phone", ours, "deleted", true)).post("/sandbox/v1/media/phone-files").then().statusCode(200);
        assertArrayEquals(pdf, as(Tokens.admin()).get(url).then().statusCode(200).contentType("application/pdf").extract()
                .asByteArray());

        // Without the copy the same download is 504.
        UUID blob = keptBlob(org, id);
        pool.preparedQuery("UPDATE whatsapp_inbound_message SET media_blob_id = NULL WHERE organization_id = $1 AND message_id = $2")
                .execute(Tuple.of(org, id)).await().atMost(Duration.ofSeconds(5));
        as(Tokens.admin()).get(url).then().statusCode(504).body("reason", equalTo("media-unavailable"));

        // A copy damaged at rest (one byte flipped) is refused like a damaged download.
        pool.preparedQuery("UPDATE whatsapp_media_chunk SET bytes = set_byte(bytes, 100, get_byte(bytes, 100) # 1)"
                + " WHERE blob_id = $1 AND seq = 1").execute(Tuple.of(blob)).await().atMost(Duration.ofSeconds(5));
        pool.preparedQuery("UPDATE whatsapp_inbound_message SET media_blob_id = $3 WHERE organization_id = $1 AND message_id = $2")
                .execute(Tuple.of(org, id, blob)).await().atMost(Duration.ofSeconds(5));
        as(Tokens.admin()).get(url).then().statusCode(502).body("reason", equalTo("media-corrupt"));
        List<?> chunks = pool.preparedQuery("SELECT seq FROM whatsapp_media_chunk WHERE blob_id = $1").execute(Tuple.of(blob))
                .await().atMost(Duration.ofSeconds(5)).stream().toList();
        assertEquals(3, chunks.size(), "1.2 MB (encrypted) in chunks of 512 KB");
    }

    private UUID keptBlob(UUID org, String messageId) {
        var rows = pool.preparedQuery("SELECT media_blob_id FROM whatsapp_inbound_message WHERE organization_id = $1 AND message_id = $2")
                .execute(Tuple.of(org, messageId)).await().atMost(Duration.ofSeconds(5));
        return rows.size() == 0 ? null : rows.iterator().next().getUUID(0);
    }
}
