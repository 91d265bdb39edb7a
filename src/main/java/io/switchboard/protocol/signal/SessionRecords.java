package io.switchboard.protocol.signal;

import com.google.protobuf.ByteString;
import io.switchboard.protocol.proto.SignalChain;
import io.switchboard.protocol.proto.SignalMessageKey;
import io.switchboard.protocol.proto.SignalSession;
import io.switchboard.protocol.proto.SignalSessionOrBuilder;
import io.switchboard.protocol.proto.SignalSessionRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Operations on stored Signal session records and their chains, as pure functions of the protobuf
 * state: which chain a ratchet key names, message keys taken (and skipped ones kept) up to a
 * counter, old chains dropped, and a record's sessions opened, archived, followed and removed.
 */
final class SessionRecords {

    private SessionRecords() {
    }

    static void dropOldChains(SignalSession.Builder session) {
        List<Integer> closed = new ArrayList<>();
        for (int i = 0; i < session.getChainsCount(); i++) {
            if (!session.getChains(i).getSending() && !session.getChains(i).hasChainKey()) {
                closed.add(i);
            }
        }
        // Oldest first (chains are appended): drop beyond the bound.
        for (int i = 0; i < closed.size() - SessionCipher.MAX_OLD_CHAINS; i++) {
            session.removeChains(closed.get(i) - i);
        }
    }

    /** The message-key seed for {@code counter}, storing the ones skipped on the way; a used one is a duplicate. */
    static byte[] takeSeed(SignalChain.Builder chain, long counter) throws SignalException {
        if (counter < chain.getNext()) {
            for (int i = 0; i < chain.getSkippedCount(); i++) {
                if (chain.getSkipped(i).getCounter() == (int) counter) {
                    byte[] seed = chain.getSkipped(i).getSeed().toByteArray();
                    chain.removeSkipped(i);
                    return seed;
                }
            }
            throw new SignalException(SignalException.Kind.DUPLICATE, "message key for counter " + counter
                    + " used already (duplicate or replay)");
        }
        if (!chain.hasChainKey()) {
            throw new SignalException(SignalException.Kind.INVALID_MESSAGE, "chain closed");
        }
        fill(chain, counter);
        byte[] chainKey = chain.getChainKey().toByteArray();
        byte[] seed = Kdf.messageSeed(chainKey);
        chain.setChainKey(SessionCipher.bs(Kdf.nextChainKey(chainKey))).setNext((int) counter + 1);
        return seed;
    }

    /** Derives and keeps the seeds from the chain's next counter up to (not including) {@code until}. */
    static void fill(SignalChain.Builder chain, long until) throws SignalException {
        if (until - chain.getNext() > SessionCipher.MAX_SKIP) {
            throw new SignalException(SignalException.Kind.TOO_FAR_AHEAD, "over " + SessionCipher.MAX_SKIP + " messages into the future");
        }
        byte[] chainKey = chain.getChainKey().toByteArray();
        for (long n = chain.getNext(); n < until; n++) {
            chain.addSkipped(SignalMessageKey.newBuilder().setCounter((int) n).setSeed(SessionCipher.bs(Kdf.messageSeed(chainKey))));
            chainKey = Kdf.nextChainKey(chainKey);
        }
        while (chain.getSkippedCount() > SessionCipher.MAX_SKIP) {
            chain.removeSkipped(0);
        }
        chain.setChainKey(SessionCipher.bs(chainKey)).setNext((int) Math.max(chain.getNext(), until));
    }

    static int chainIndex(SignalSessionOrBuilder session, ByteString ratchetKey, boolean sending) {
        for (int i = 0; i < session.getChainsCount(); i++) {
            SignalChain chain = session.getChains(i);
            if (chain.getSending() == sending && chain.getRatchetKey().equals(ratchetKey)) {
                return i;
            }
        }
        return -1;
    }

    static int openIndex(SignalSessionRecord record) {
        for (int i = 0; i < record.getSessionsCount(); i++) {
            if (!record.getSessions(i).getClosed()) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The session at {@code index} decrypted a message from the peer: it becomes (or stays) the open
     * one, the one we send on. When both sides started a session at once, each side's open session
     * is the one the other archived; libsignal then tries its open session first on our messages,
     * and a failed attempt advances that session's ratchet in memory and is stored with the success
     * on the other one — the peer's sessions break ("Bad MAC"). Sending on the session the peer
     * itself uses avoids that.
     */
    static SignalSessionRecord followPeer(SignalSessionRecord record, int index, SignalSession used) {
        SignalSessionRecord rest = without(record, index);
        if (!used.getClosed()) {
            return withFirst(rest, used);
        }
        return withFirst(archiveOpen(rest), used.toBuilder().setClosed(false).build());
    }

    static SignalSessionRecord archiveOpen(SignalSessionRecord record) {
        SignalSessionRecord.Builder builder = record.toBuilder();
        for (int i = 0; i < builder.getSessionsCount(); i++) {
            if (!builder.getSessions(i).getClosed()) {
                builder.setSessions(i, builder.getSessions(i).toBuilder().setClosed(true));
            }
        }
        return builder.build();
    }

    static SignalSessionRecord without(SignalSessionRecord record, int index) {
        List<SignalSession> rest = new ArrayList<>(record.getSessionsList());
        rest.remove(index);
        return SignalSessionRecord.newBuilder().addAllSessions(rest).build();
    }

    static SignalSessionRecord withFirst(SignalSessionRecord record, SignalSession first) {
        List<SignalSession> sessions = new ArrayList<>();
        sessions.add(first);
        sessions.addAll(record.getSessionsList());
        while (sessions.size() > SessionCipher.MAX_SESSIONS) {
            sessions.remove(sessions.size() - 1);
        }
        return SignalSessionRecord.newBuilder().addAllSessions(sessions).build();
    }

}
