package io.switchboard.protocol.signal;

import io.switchboard.protocol.crypto.KeyPair;

/** The pre-keys we published, looked up when a pkmsg names them; null when we do not hold it. */
public interface PreKeySource {

    KeyPair preKey(int id);

    KeyPair signedPreKey(int id);
}
