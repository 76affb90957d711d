# What the common tests measure, in plain words, for the result page (issue 14, point 2).
# Keys are shared with es/explanations.ftl. A key is named by a LOINC code; codes that name
# the same test (glucose in blood, or in serum or plasma) share one key, as the table in
# crates/web/src/record/explanations.rs says. Say what the test measures, never what a value
# means for the patient: that is for the care team. A test checks the reading level.

explain-heading = What this test measures
explain-ask = Ask your care team what your result means for you.

## Vital signs and scores
explain-72514-3 = This is how strong your pain was, as you rated it. The scale goes from 0, no pain, to 10, the worst pain you can imagine. It helps your care team see how your pain changes over time.
explain-8302-2 = This is how tall you are. Your care team uses your height with your weight to find your body mass index (BMI). In children, it shows how they grow.
explain-29463-7 = This is how much your body weighs. Changes in weight over time can tell your care team about your health. Weight is also used to find your body mass index (BMI) and some medicine doses.
explain-39156-5 = Body mass index (BMI) is a number found from your height and weight. It gives a rough idea of whether your weight fits your height. It does not measure body fat itself.
explain-55284-4 = Blood pressure is how hard your blood pushes on the walls of your blood vessels. It has two numbers, like 120/80. The top number is taken when your heart beats, and the bottom number when it rests between beats.
explain-8480-6 = This is the top number of your blood pressure. It is the push of blood on the walls of your blood vessels when your heart beats.
explain-8462-4 = This is the bottom number of your blood pressure. It is the push of blood on the walls of your blood vessels when your heart rests between beats.
explain-8867-4 = This is how many times your heart beats in one minute. It is also called your pulse. It changes with activity, stress, fever and some medicines.
explain-9279-1 = This is how many breaths you take in one minute. It is counted while you rest.
explain-8310-5 = This is how warm your body is. A fever is a body temperature higher than normal. It is often a sign that the body is fighting an infection.
explain-8331-1 = This is how warm your body is, taken by mouth. A fever is a body temperature higher than normal. It is often a sign that the body is fighting an infection.
explain-59408-5 = This shows how much oxygen your blood carries, as a percent. It is measured with a small clip on your finger.
explain-72166-2 = This notes whether you smoke tobacco now, smoked in the past, or never smoked. Smoking affects the heart, the lungs and many other parts of the body.
explain-72106-8 = This is the score of a short set of questions and tasks that check memory and thinking. The highest score is 30.

## Blood sugar
explain-2339-0 = This test measures the sugar (glucose) in your blood. Glucose is the main fuel for your body. The level changes after you eat.
explain-4548-4 = The A1c test shows your average blood sugar over the past 2 to 3 months. It measures how much sugar is stuck to your red blood cells. It is used to find and follow diabetes.

## Kidneys and body salts
explain-6299-2 = This test measures urea nitrogen (BUN) in your blood. Urea is a waste made when your body breaks down protein. Your kidneys remove it, so the test helps show how well they work.
explain-38483-4 = Creatinine is a waste made by your muscles. Your kidneys filter it out of your blood. This test helps show how well your kidneys work.
explain-33914-3 = The eGFR is an estimate of how well your kidneys filter your blood. It is found from the creatinine in your blood, your age and your sex. A higher number means the kidneys filter more.
explain-14959-1 = This urine test looks for small amounts of a protein called albumin. Healthy kidneys keep albumin in the blood, so very little gets into the urine. It is often used to check the kidneys of people with diabetes.
explain-49765-1 = This test measures the calcium in your blood. Calcium keeps your bones strong. It also helps your muscles, nerves and heart work.
explain-2947-0 = Sodium is a salt your body needs. It helps control the water in your body and helps your nerves and muscles work. This test measures how much is in your blood.
explain-6298-4 = Potassium is a mineral that helps your nerves and muscles work, your heart too. This test measures how much is in your blood. Your kidneys help keep the level steady.
explain-2069-3 = Chloride is a salt that works with sodium and potassium. It helps keep the right balance of water and acid in your body. This test measures how much is in your blood.
explain-20565-8 = This test measures carbon dioxide in your blood, mostly as bicarbonate. It helps show whether your body has the right balance of acid. Your lungs and kidneys both help keep it steady.

## Cholesterol and fats
explain-2093-3 = Cholesterol is a kind of fat in your blood. Your body needs some, but too much can build up in the blood vessels. This test measures all the cholesterol in your blood.
explain-18262-6 = LDL is often called "bad" cholesterol. Over time, it can build up in the walls of blood vessels. This test measures how much LDL is in your blood.
explain-2085-9 = HDL is often called "good" cholesterol. It helps carry extra cholesterol away from your blood vessels to your liver. This test measures how much HDL is in your blood.
explain-2571-8 = Triglycerides are the most common kind of fat in your blood. Your body stores extra energy from food as triglycerides. The level goes up for a while after a meal.

## Blood cells
explain-718-7 = Hemoglobin is the part of red blood cells that carries oxygen. This test measures how much is in your blood. It is used to check for anemia, which means too few red blood cells or too little hemoglobin.
explain-4544-3 = Hematocrit is the part of your blood made up of red blood cells. It is given as a percent. It is used with hemoglobin to check for anemia.
explain-789-8 = Red blood cells carry oxygen from your lungs to the rest of your body. This test counts how many are in your blood.
explain-6690-2 = White blood cells help your body fight germs. This test counts how many are in your blood. The count can change with an infection, swelling in the body, or some medicines.
explain-777-3 = Platelets are tiny cells that help your blood clot and stop bleeding. This test counts how many are in your blood.
explain-787-2 = MCV is the average size of your red blood cells. It helps your care team learn more about your red blood cells, for example the cause of anemia.
explain-785-6 = MCH is how much hemoglobin there is in each red blood cell, on average. Hemoglobin is what carries oxygen in your blood. It is part of a blood count.
explain-786-4 = MCHC shows how full of hemoglobin your red blood cells are, on average. Hemoglobin is what carries oxygen in your blood. It is part of a blood count.
explain-21000-5 = RDW shows how much your red blood cells differ from each other in size. It is part of a complete blood count.
explain-32207-3 = This shows how much your platelets differ from each other in size. Platelets are tiny cells that help your blood clot.
explain-32623-1 = MPV is the average size of your platelets. Platelets are tiny cells that help your blood clot. New platelets are often larger than old ones.

## Liver and proteins
explain-2885-2 = This test measures all the protein in the liquid part of your blood. The two main kinds are albumin and globulin. It helps check your liver, your kidneys and how well you are fed.
explain-1751-7 = Albumin is a protein made by your liver. It keeps fluid inside your blood vessels and carries things like hormones and medicines. This test measures how much is in your blood.
explain-10834-0 = Globulins are a group of proteins in your blood. Some of them help fight infection. This number is found from your total protein and your albumin.
explain-1975-2 = Bilirubin is a yellow waste made when old red blood cells break down. Your liver clears it from your body. This test helps show how well your liver works.
explain-6768-6 = Alkaline phosphatase (ALP) is an enzyme found mostly in the liver and bones. This test measures how much is in your blood. It helps check your liver and bones.
explain-1742-6 = ALT is an enzyme found mostly in the liver. When liver cells are hurt, more ALT gets into the blood. This test helps check the health of your liver.
explain-1920-8 = AST is an enzyme found in the liver, heart and muscles. When these cells are hurt, more AST gets into the blood. This test helps check your liver.

## Other tests
explain-3016-3 = TSH is a hormone that tells your thyroid how much thyroid hormone to make. The thyroid is a gland in your neck. It helps control how your body uses energy.
explain-2857-1 = PSA is a protein made by the prostate, a gland in men. This test measures how much is in your blood. The level can go up for many reasons, such as a large prostate, an infection or cancer.
explain-33762-6 = NT-proBNP is a substance the heart lets out when it works hard or is stretched. This blood test helps check for heart failure.
explain-19926-5 = This breathing test compares the air you can blow out in one second with all the air you can blow out. It helps check for lung problems such as asthma and COPD.
explain-10230-1 = Ejection fraction is the part of the blood in the heart's main pumping chamber that goes out with each beat. It is given as a percent. It shows how well your heart pumps.
