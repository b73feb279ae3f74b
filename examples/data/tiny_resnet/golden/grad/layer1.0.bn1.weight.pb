Blayer1.0.bn1.weightJ@ˆ:4¼ër<K\p¼IŸ¼9
S»XØ-<+r<\|³»¬xD:Än=€In<ÃwÍ¼â–¼íÒo¼.’<ŒñÚ;