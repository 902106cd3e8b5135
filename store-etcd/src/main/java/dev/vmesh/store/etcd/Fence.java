package dev.vmesh.store.etcd;

import dev.vmesh.store.StoreException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;

/**
 * {@code Fence} is the condition a leader's writes carry: its leader key still exists with the create
 * revision of its term, so its lease has not expired and nobody has taken over since.
 */
record Fence(ByteSequence key, long createRevision, String description) {
  Cmp condition() {
    return new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(createRevision));
  }

  StoreException.NotLeader lost(String what) {
    return new StoreException.NotLeader("refused " + what + ": this replica no longer leads " + description
        + " (its term from revision " + createRevision + " ended); another replica may be doing this work");
  }
}
