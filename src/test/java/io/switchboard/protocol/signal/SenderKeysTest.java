package io.switchboard.protocol.signal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.switchboard.protocol.crypto.Curve25519;
import io.switchboard.protocol.proto.SenderKeyDistributionMessage;
import io.switchboard.protocol.proto.SenderKeyRecord;
import io.switchboard.protocol.proto.SenderKeyState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

/** Sender keys against the facts file's deterministic vector (§5.5), then their rules. */
class SenderKeysTest {

    private static final HexFormat HEX = HexFormat.of();

    private static byte[] chainKey() {
        byte[] key = new byte[32];
        for (int i = 0; i < 32; i++) {
            key[i] = (byte) (i + 1);
        }
        return key;
    }

    @Test
    void theChainAndMessageKeysReproduceTheVectorByteForByte() throws Exception {
        byte[] chain = chainKey();
        byte[] seed = Kdf.messageSeed(chain);
        assertEquals("e8ad8c1d8e445d45f79f2258b38297fc247dd7b03c7a5f6b098ac8519d5a1559", HEX.formatHex(seed));
        SenderKeys.MessageKey first = SenderKeys.messageKey(seed);
        assertEquals("4ced2ea19b6be5f57db8fce7eb6ecec3", HEX.formatHex(first.iv()));
        assertEquals("6d0ab495bc95ce63c992251f820f495d23e3d366e81f622fecbec183001d5255", HEX.formatHex(first.cipherKey()));
        assertEquals("410526642fe31fc3e4db173bc92f7ec5243e62dbdb52855b5dea7073e11e4fb4", HEX.formatHex(
                SenderKeys.cbc(Cipher.ENCRYPT_MODE, first, HEX.parseHex("0a0b68656c6c6f2067726f7570030303"))));
        chain = Kdf.nextChainKey(chain);
        assertEquals("c3be13bf45e16a709331a4bf7e37a150232d84f60227cdf491884be860389c74", HEX.formatHex(chain));
        SenderKeys.MessageKey second = SenderKeys.messageKey(Kdf.messageSeed(chain));
        assertEquals("a3da129903f02a5c866e26a256c376fa", HEX.formatHex(second.iv()));
        assertEquals("71bb71a09c7b42c97d75c4ed3dafcad771747b0579612f13eaf197825b006b06", HEX.formatHex(second.cipherKey()));
        SenderKeys.MessageKey third = SenderKeys.messageKey(Kdf.messageSeed(Kdf.nextChainKey(chain)));
        assertEquals("9e19f76c015c9b7a0f0f05772381aaa2", HEX.formatHex(third.iv()));
        assertEquals("f5cd687954e84c87073e5b13c0c24d543fddf9b858ac7b6a980ecd9698a0aa51", HEX.formatHex(third.cipherKey()));
    }

    @Test
    void aKeyOfOurOwnEncryptsWhatItsDistributionDecryptsAtTheVectorsCiphertext() throws Exception {
        var signing = Curve25519.generateKeyPair();
        SenderKeyRecord own = SenderKeyRecord.newBuilder().addStates(SenderKeyState.newBuilder().setId(7).setIteration(0)
                .setChainKey(ByteString.copyFrom(chainKey())).setSigningPublic(ByteString.copyFrom(signing.publicKey()))
                .setSigningPrivate(ByteString.copyFrom(signing.privateKey()))).build();
        byte[] distribution = SenderKeys.distribution(own);
        assertEquals(0x33, distribution[0] & 0xff);
        SenderKeyDistributionMessage parsed = SenderKeyDistributionMessage.parseFrom(Arrays.copyOfRange(distribution, 1,
                distribution.length));
        assertEquals(7, parsed.getId());
        assertEquals(33, parsed.getSigningKey().size());

        SenderKeys.Encrypted encrypted = SenderKeys.encrypt(own, HEX.parseHex("0a0b68656c6c6f2067726f7570030303"));
        // 0x33 ‖ {id 7, iteration 0, ciphertext} ‖ 64-byte signature: the ciphertext is the vector's.
        String body = HEX.formatHex(encrypted.ciphertext());
        assertTrue(body.startsWith("33080710001a20410526642fe31fc3e4db173bc92f7ec5243e62dbdb52855b5dea7073e11e4fb4"), body);
        assertEquals(1 + 2 + 2 + 2 + 32 + 64, encrypted.ciphertext().length);

        SenderKeyRecord theirs = SenderKeys.process(SenderKeyRecord.getDefaultInstance(), distribution);
        SenderKeys.Decrypted decrypted = SenderKeys.decrypt(theirs, encrypted.ciphertext());
        assertEquals("0a0b68656c6c6f2067726f7570030303", HEX.formatHex(decrypted.plaintext()));
    }

    @Test
    void gapsOutOfOrderDuplicatesAndForgeriesAreHandledAsLibsignalDoes() throws Exception {
        SenderKeyRecord own = SenderKeys.create();
        SenderKeyRecord theirs = SenderKeys.process(SenderKeyRecord.getDefaultInstance(), SenderKeys.distribution(own));
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            SenderKeys.Encrypted e = SenderKeys.encrypt(own, ("m" + i).getBytes(StandardCharsets.UTF_8));
            own = e.record();
            sent.add(e.ciphertext());
        }
        // 4 first (0..3 kept as skipped), then 1 late, then 4 again: a duplicate, not garbage.
        theirs = open(theirs, sent.get(4), "m4");
        theirs = open(theirs, sent.get(1), "m1");
        SenderKeyRecord now = theirs;
        assertEquals(SignalException.Kind.DUPLICATE, assertThrows(SignalException.class,
                () -> SenderKeys.decrypt(now, sent.get(4))).kind());
        assertEquals(SignalException.Kind.DUPLICATE, assertThrows(SignalException.class,
                () -> SenderKeys.decrypt(now, sent.get(1))).kind());
        theirs = open(theirs, sent.get(0), "m0");
        theirs = open(theirs, sent.get(5), "m5");

        byte[] forged = sent.get(2).clone();
        forged[forged.length - 70] ^= 1;
        SenderKeyRecord before = theirs;
        assertEquals(SignalException.Kind.BAD_SIGNATURE, assertThrows(SignalException.class,
                () -> SenderKeys.decrypt(before, forged)).kind());
        open(theirs, sent.get(2), "m2");

        // Another sender's key (a new id) is unknown until its distribution arrives.
        SenderKeyRecord other = SenderKeys.create();
        byte[] fromOther = SenderKeys.encrypt(other, "x".getBytes(StandardCharsets.UTF_8)).ciphertext();
        assertEquals(SignalException.Kind.NO_SESSION, assertThrows(SignalException.class,
                () -> SenderKeys.decrypt(before, fromOther)).kind());
    }

    @Test
    void farAheadIsRefusedAndOnlyFiveKeysAreKept() throws Exception {
        SenderKeyRecord own = SenderKeys.create();
        SenderKeyRecord theirs = SenderKeys.process(SenderKeyRecord.getDefaultInstance(), SenderKeys.distribution(own));
        SenderKeyState jumped = own.getStates(0).toBuilder().setIteration(SenderKeys.MAX_SKIP + 1)
                .setChainKey(ByteString.copyFrom(new byte[32])).build();
        byte[] far = SenderKeys.encrypt(own.toBuilder().setStates(0, jumped).build(), new byte[] {1}).ciphertext();
        SenderKeyRecord record = theirs;
        assertEquals(SignalException.Kind.TOO_FAR_AHEAD, assertThrows(SignalException.class,
                () -> SenderKeys.decrypt(record, far)).kind());

        // The same distribution again changes nothing; five newer keys push the first out.
        assertEquals(theirs, SenderKeys.process(theirs, SenderKeys.distribution(own)));
        byte[] firstKeyMessage = SenderKeys.encrypt(own, new byte[] {2}).ciphertext();
        for (int i = 0; i < SenderKeys.MAX_STATES; i++) {
            theirs = SenderKeys.process(theirs, SenderKeys.distribution(SenderKeys.create()));
        }
        assertEquals(SenderKeys.MAX_STATES, theirs.getStatesCount());
        SenderKeyRecord full = theirs;
        assertThrows(SignalException.class, () -> SenderKeys.decrypt(full, firstKeyMessage));
        assertNotEquals(own.getStates(0).getId(), theirs.getStates(SenderKeys.MAX_STATES - 1).getId());
    }

    private static SenderKeyRecord open(SenderKeyRecord record, byte[] message, String expected) throws SignalException {
        SenderKeys.Decrypted decrypted = SenderKeys.decrypt(record, message);
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), decrypted.plaintext());
        return decrypted.record();
    }
}
