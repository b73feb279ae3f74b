Blayer1.1.bn2.biasJ@]îş¹l‰O»PYƒ»ÓtÎ»b;Ìì<‰‡cº‚;øk¤».h
¼”ıG;xi9:ô%Š»İ¬a;×$V<JÆ;