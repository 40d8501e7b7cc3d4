"""Leakage-free player features: one code path for training (all players) and serving (one).

Entry points: `frame.build_feature_frame` / `frame.build_player_features`, the registry of
feature functions in `registry.FEATURES`, and the versioned parquet store in `store`.
"""
