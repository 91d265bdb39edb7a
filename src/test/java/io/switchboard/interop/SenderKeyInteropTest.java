package io.switchboard.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.protocol.proto.SenderKeyRecord;
import io.switchboard.protocol.signal.SenderKeys;
import io.switchboard.protocol.signal.SignalException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our sender keys against the group cipher of Baileys 6 and 7 (libsignal's, ported), in both
 * directions: their distribution and messages (with Baileys' iteration gaps 0, 2, 4…) open here,
 * ours open there, out of order, and a duplicate is refused on both sides.
 */
class SenderKeyInteropTest {

    private static final String GROUP = "120363000000000001@g.us";
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder UNB64 = Base64.getDecoder();

    @ParameterizedTest
    @EnumSource(value = SignalJudge.Build.class, names = {"BAILEYS6", "BAILEYS7"})
    void groupMessagesOpenBothWays(SignalJudge.Build build) throws Exception {
        try (SignalJudge node = SignalJudge.start(build)) {
            // Theirs → ours.
            SenderKeyRecord theirs = SenderKeys.process(SenderKeyRecord.getDefaultInstance(),
                    UNB64.decode(node.ask(node.request("groupCreate").put("group", GROUP)).path("skdm").asText()));
            byte[][] bodies = new byte[4][];
            for (int i = 0; i < bodies.length; i++) {
                bodies[i] = UNB64.decode(node.ask(node.request("groupEncrypt").put("group", GROUP).put("text", "b" + i))
                        .path("body").asText());
            }
            for (int i : new int[] {0, 3, 1, 2}) {
                SenderKeys.Decrypted opened = SenderKeys.decrypt(theirs, bodies[i]);
                assertEquals("b" + i, new String(opened.plaintext(), StandardCharsets.UTF_8));
                theirs = opened.record();
            }
            SenderKeyRecord after = theirs;
            assertEquals(SignalException.Kind.DUPLICATE, assertThrows(SignalException.class,
                    () -> SenderKeys.decrypt(after, bodies[3])).kind());

            // Ours → theirs.
            SenderKeyRecord own = SenderKeys.create();
            node.ask(node.request("groupProcess").put("group", GROUP).put("user", "java").put("device", 0)
                    .put("skdm", B64.encodeToString(SenderKeys.distribution(own))));
            byte[][] ours = new byte[4][];
            for (int i = 0; i < ours.length; i++) {
                SenderKeys.Encrypted e = SenderKeys.encrypt(own, ("j" + i).getBytes(StandardCharsets.UTF_8));
                own = e.record();
                ours[i] = e.ciphertext();
            }
            for (int i : new int[] {1, 0, 3, 2}) {
                assertEquals("j" + i, node.ask(node.request("groupDecrypt").put("group", GROUP).put("user", "java").put("device", 0)
                        .put("body", B64.encodeToString(ours[i]))).path("text").asText());
            }
            BaileysJudge.JudgeError duplicate = assertThrows(BaileysJudge.JudgeError.class, () -> node.ask(node.request(
                    "groupDecrypt").put("group", GROUP).put("user", "java").put("device", 0).put("body", B64.encodeToString(ours[2]))));
            assertEquals(true, duplicate.getMessage().contains("old counter"), duplicate.getMessage());
        }
    }
}
