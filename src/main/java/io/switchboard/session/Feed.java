package io.switchboard.session;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

/** What the connections this replica runs report (receipts, received messages), as it happens, for whoever listens; none is kept. */
final class Feed<T> {

    private final BroadcastProcessor<T> processor = BroadcastProcessor.create();

    /** Sessions publish from their own contexts: one at a time into the processor. */
    synchronized void onNext(T item) {
        processor.onNext(item);
    }

    Multi<T> stream() {
        return processor;
    }
}
