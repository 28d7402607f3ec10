package cpm.train.loop;

import cpm.train.Checkpoint;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The best of the val scores (eval.valInterval): the highest mIoU, the earliest on ties, never NaN; the schedule;
 * the rows survive the checkpoint metadata digit for digit, and damaged metadata is named.
 */
class ValScoresTest {

    @Test
    void theBestIsTheHighestMiouTheEarliestOnTies() {
        ValScores v = new ValScores();
        assertNull(v.best());
        assertFalse(v.add(new ValScores.Row(2, Double.NaN, 0, 4)), "NaN is never the best");
        assertTrue(v.add(new ValScores.Row(4, 0.1, 0.2, 4)));
        assertTrue(v.add(new ValScores.Row(6, 0.30000000000000004, 0.2, 4)));
        assertFalse(v.add(new ValScores.Row(8, 0.30000000000000004, 0.5, 4)), "a tie keeps the earlier step");
        assertFalse(v.add(new ValScores.Row(10, 0.3, 0.5, 4)), "lower by one ulp");
        assertEquals(6, v.best().step());
        assertEquals(10, v.lastStep());
        String csv = v.toCsv();
        assertEquals(List.of("step,miou,fbeta,images,best_miou", "2,NaN,0.0,4,NaN", "4,0.1,0.2,4,0.1",
                "6,0.30000000000000004,0.2,4,0.30000000000000004", "8,0.30000000000000004,0.5,4,0.30000000000000004",
                "10,0.3,0.5,4,0.30000000000000004"), csv.lines().toList());
        ValScores back = ValScores.parse(csv, Path.of("x.ckpt"));
        assertEquals(v.rows(), back.rows(), "every digit survives the metadata");
        assertEquals(6, back.best().step());
        assertTrue(ValScores.parse(null, Path.of("x.ckpt")).rows().isEmpty(), "a checkpoint without validation");
    }

    @Test
    void validatedStepsDependOnTheStepCountOnly() {
        assertFalse(ValidationListener.validates(4, 0, 10), "off");
        assertTrue(ValidationListener.validates(4, 2, 10));
        assertFalse(ValidationListener.validates(5, 2, 10));
        assertTrue(ValidationListener.validates(7, 3, 7), "the run's last step");
        assertFalse(ValidationListener.validates(0, 2, 10));
    }

    @Test
    void damagedMetadataIsNamed() {
        Checkpoint.CheckpointException e = assertThrows(Checkpoint.CheckpointException.class,
                () -> ValScores.parse("step,miou,fbeta,images,best_miou\n2,zero,0,4,0\n", Path.of("c.ckpt")));
        assertTrue(e.getMessage().contains("c.ckpt") && e.getMessage().contains("metadata val")
                && e.getMessage().contains("line 2 \"2,zero,0,4,0\""), e.getMessage());
    }
}
