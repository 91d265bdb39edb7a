package io.switchboard.protocol.signal;

import io.switchboard.protocol.crypto.KeyPair;

/** The pre-keys we published, looked up when a pkmsg names them; null when we do not hold it. */
public interface PreKeySource {

    KeyPair preKey(int id);

    KeyPair signedPreKey(int id);

    /** Pre-keys held in maps by id. */
    static PreKeySource of(java.util.Map<Integer, KeyPair> oneTime, java.util.Map<Integer, KeyPair> signed) {
        return new PreKeySource() {
            @Override
            public KeyPair preKey(int id) {
                return oneTime.get(id);
            }

            @Override
            public KeyPair signedPreKey(int id) {
                return signed.get(id);
            }
        };
    }
}
