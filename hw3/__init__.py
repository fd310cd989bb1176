"""HW3: skip-gram with negative sampling (word2vec) built from edugrad and your four ops.

The pipeline, one small module per step:

* ``corpus``  reads the text (UTF-8, one sentence per line) into token ids;
* ``vocab``   counts words and keeps those seen at least ``min_count`` times;
* ``sampling`` subsamples frequent words, makes (centre, context) pairs with a
  dynamic window, and draws negatives from the unigram^0.75 distribution;
* ``model``   the SGNS loss as an edugrad Module, written with your ops;
* ``train``   the training loop (``TrainConfig`` -> ``train`` -> ``TrainResult``);
* ``parallel`` ``--workers N``: N workers sharing the tables without locks (Hogwild);
* ``evaluate`` nearest neighbours, neighbour purity, word-similarity Spearman;
* ``ops_loader`` finds the four ops (``--ops starter | solution | PATH``);
* ``outputs``  writes a run's folder atomically;
* ``word2vec`` the command line: ``python -m hw3.word2vec --help``.

``errors.UsageError`` carries a one-paragraph message for bad input (the CLI
prints it and exits with status 2).
"""

__version__ = "1.0.0"
