package io.switchboard.session;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

/** Receipts of the connections this replica runs, as they arrive, for whoever listens (none are kept). */
final class ReceiptFeed {

    private final BroadcastProcessor<MessageReceipt> processor = BroadcastProcessor.create();

    /** Sessions publish from their own contexts: one at a time into the processor. */
    synchronized void onNext(MessageReceipt receipt) {
        processor.onNext(receipt);
    }

    Multi<MessageReceipt> stream() {
        return processor;
    }
}
