/**
 * The one training loop and everything around its steps, in the manner of DJL's {@code EasyTrain} and its
 * {@code TrainingListener}s: {@link cpm.train.loop.TrainingLoop} steps a {@link cpm.train.TrainingSession}, and
 * listeners log the history with its STS windows, save checkpoints, evaluate, draw pictures, report a non-finite
 * loss, show progress and honour stop requests. {@link cpm.train.loop.RunFolder} owns the run folder's layout;
 * {@link cpm.train.loop.TrainRun} is a run on disk as {@code ./cpm train} and {@code ./cpm ablate} run it. The
 * REPL's {@code :step} drives the same loop.
 */
package cpm.train.loop;
