package io.switchboard.protocol.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.crypto.AesGcm;
import io.switchboard.protocol.proto.MediaRetryNotification;
import io.switchboard.protocol.proto.ServerErrorReceipt;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The media retry's request and answer, byte-level: GCM under the retry key, the message id as associated data. */
class MediaRetryTest {

    private static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static final String ID = "3EB0C0FFEE0123456789";

    @Test
    void theRequestIsAServerErrorReceiptToOurOwnAccountSealedUnderTheRetryKey() throws Exception {
        Node receipt = MediaRetry.request(ID, "15550001111@s.whatsapp.net", "15550002222@s.whatsapp.net", false, null, KEY);
        assertEquals("receipt", receipt.tag());
        assertEquals(Map.of("id", ID, "to", "15550001111@s.whatsapp.net", "type", "server-error"), receipt.attributes());
        Node rmr = receipt.child("rmr").orElseThrow();
        assertEquals(Map.of("jid", "15550002222@s.whatsapp.net", "from_me", "false"), rmr.attributes());
        Node encrypt = receipt.child("encrypt").orElseThrow();
        byte[] iv = encrypt.child("enc_iv").flatMap(Node::bytes).orElseThrow();
        assertEquals(12, iv.length);
        byte[] plain = AesGcm.decrypt(HexFormat.of().parseHex("c84dfe50a708e0ec382a7ad2ba40135256f41b652cebe2129661d27871111cb2"), iv,
                ID.getBytes(StandardCharsets.UTF_8), encrypt.child("enc_p").flatMap(Node::bytes).orElseThrow());
        assertEquals(ID, ServerErrorReceipt.parseFrom(plain).getStanzaId());
        // Another message id as associated data does not open it.
        assertThrows(io.switchboard.protocol.crypto.CryptoException.class, () -> AesGcm.decrypt(MediaKeys.retryKey(KEY), iv,
                "3EB0OTHER".getBytes(StandardCharsets.UTF_8), encrypt.child("enc_p").flatMap(Node::bytes).orElseThrow()));
        assertEquals("g1@g.us", MediaRetry.request(ID, "1@s.whatsapp.net", "g1@g.us", false, "2@s.whatsapp.net", KEY)
                .child("rmr").orElseThrow().attributes().get("jid"));
    }

    @Test
    void theAnswerGivesTheNewDirectPathOrWhyNot() throws Exception {
        MediaRetry.Answer moved = MediaRetry.read(answer(ID, KEY, ID, "/v/t62.7118-24/new_n.enc?ccb=11-4",
                MediaRetryNotification.ResultType.SUCCESS), KEY);
        assertEquals(MediaRetry.Result.SUCCESS, moved.result());
        assertEquals("/v/t62.7118-24/new_n.enc?ccb=11-4", moved.directPath());
        MediaRetry.Answer missing = MediaRetry.read(answer(ID, KEY, ID, null, MediaRetryNotification.ResultType.NOT_FOUND), KEY);
        assertEquals(MediaRetry.Result.NOT_FOUND, missing.result());
        assertNull(missing.directPath());
        Node error = Node.withChildren("notification", attrs("id", ID, "type", "mediaretry"), List.of(Node.of("rmr"),
                Node.of("error", attrs("code", "2"))));
        assertEquals(MediaRetry.Result.NOT_FOUND, MediaRetry.read(error, KEY).result());
        assertEquals(MediaRetry.Result.GENERAL_ERROR, MediaRetry.read(Node.withChildren("notification", attrs("id", ID),
                List.of(Node.of("error", attrs("code", "1")))), KEY).result());
    }

    @Test
    void anAnswerThatDoesNotOpenOrNamesAnotherMessageIsRefused() {
        byte[] otherKey = KEY.clone();
        otherKey[0] ^= 1;
        assertThrows(MediaDecryptor.CorruptMediaException.class, () -> MediaRetry.read(answer(ID, otherKey, ID, "/v/x",
                MediaRetryNotification.ResultType.SUCCESS), KEY));
        assertThrows(MediaDecryptor.CorruptMediaException.class, () -> MediaRetry.read(answer(ID, KEY, "3EB0OTHER", "/v/x",
                MediaRetryNotification.ResultType.SUCCESS), KEY));
        assertThrows(MediaDecryptor.CorruptMediaException.class, () -> MediaRetry.read(answer(ID, KEY, ID, null,
                MediaRetryNotification.ResultType.SUCCESS), KEY), "success without a direct path");
        assertThrows(MediaDecryptor.CorruptMediaException.class, () -> MediaRetry.read(Node.withChildren("notification",
                attrs("id", ID), List.of(Node.of("rmr"))), KEY), "neither error nor payload");
    }

    @Test
    void theRequestsIvIsFreshEachTime() {
        byte[] first = MediaRetry.request(ID, "1@s.whatsapp.net", "2@s.whatsapp.net", true, null, KEY).child("encrypt").orElseThrow()
                .child("enc_iv").flatMap(Node::bytes).orElseThrow();
        byte[] second = MediaRetry.request(ID, "1@s.whatsapp.net", "2@s.whatsapp.net", true, null, KEY).child("encrypt")
                .orElseThrow().child("enc_iv").flatMap(Node::bytes).orElseThrow();
        assertThrows(AssertionError.class, () -> assertArrayEquals(first, second));
    }

    private static Node answer(String id, byte[] key, String stanzaId, String directPath, MediaRetryNotification.ResultType result) {
        MediaRetryNotification.Builder payload = MediaRetryNotification.newBuilder().setStanzaId(stanzaId).setResult(result);
        if (directPath != null) {
            payload.setDirectPath(directPath);
        }
        byte[] iv = new byte[12];
        iv[3] = 7;
        byte[] sealed = AesGcm.encrypt(MediaKeys.retryKey(key), iv, id.getBytes(StandardCharsets.UTF_8), payload.build().toByteArray());
        return Node.withChildren("notification", attrs("id", id, "type", "mediaretry", "from", "15550001111@s.whatsapp.net"),
                List.of(Node.of("rmr", attrs("jid", "15550002222@s.whatsapp.net", "from_me", "false")),
                        Node.withChildren("encrypt", attrs(), List.of(Node.withBytes("enc_p", attrs(), sealed),
                                Node.withBytes("enc_iv", attrs(), iv)))));
    }

    private static Map<String, String> attrs(String... keyValues) {
        Map<String, String> attrs = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            attrs.put(keyValues[i], keyValues[i + 1]);
        }
        return attrs;
    }
}
